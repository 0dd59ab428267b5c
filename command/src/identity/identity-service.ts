/**
 * The identity use cases shared by the HTTP routes, the first-admin bootstrap, the CLI
 * and the demo seeding: register, sessions (access + rotating refresh tokens), and the
 * per-request check of a token against the user's current state.
 */
import {
  DomainRuleError,
  UnauthorizedError,
  executeCommand,
  loadState,
  mintToken,
  newId,
  primaryRole,
  streams,
  type AccessClaims,
  type CommandContext,
  type CommandRuntime,
  type Config,
  type SignInMethod,
  type TokenSettings,
  type UserActor,
  type UserRole,
  type UserRoleName,
} from '@booking/shared-kernel';
import { uniqueKeyDecider, userDecider, type UserState } from './user.js';
import { hashPassword, normalizeEmail, refreshToken, sha256, userToken } from './secrets.js';

export interface IdentityRuntime {
  runtime: CommandRuntime;
  tokens: TokenSettings;
  identity: Config['identity'];
  now(): Date;
}

export function userView(state: UserState) {
  return {
    id: state.userId,
    email: state.email,
    name: state.name,
    roles: [...state.roles],
    role: primaryRole(state.roles as UserRole[]),
    emailVerified: state.emailVerified,
    status: state.status,
  };
}

/** Who owns `email`, or null. */
export async function userIdByEmail(runtime: CommandRuntime, email: string): Promise<string | null> {
  const { state } = await loadState(runtime, streams.userEmail(sha256(normalizeEmail(email))), uniqueKeyDecider);
  return state.owner;
}

export async function loadUser(runtime: CommandRuntime, userId: string) {
  return loadState(runtime, streams.user(userId), userDecider);
}

export interface RegisterInput {
  userId?: string;
  email: string;
  name: string;
  password: string | null;
  roles: UserRoleName[];
  method: SignInMethod;
  emailVerified: boolean;
}

/**
 * Claims the email (its own stream keeps it unique), then creates the user. A claim left
 * by a crash between the two appends is completed by the next registration of that email.
 * Returns the verification token to email (null when already verified), or `existing`.
 */
export async function registerUser(
  ir: IdentityRuntime,
  ctxBase: Omit<CommandContext, 'actor'>,
  input: RegisterInput,
): Promise<{ userId: string; created: boolean; verificationToken: string | null }> {
  const email = normalizeEmail(input.email);
  const emailHash = sha256(email);
  const owner = await userIdByEmail(ir.runtime, email);
  const userId = owner ?? input.userId ?? newId();
  if (owner) {
    const { state } = await loadUser(ir.runtime, owner);
    if (state.exists) return { userId: owner, created: false, verificationToken: null };
  }
  const ctx: CommandContext = { ...ctxBase, actor: { id: userId, role: primaryRole(input.roles) } };
  try {
    await executeCommand(
      ir.runtime,
      streams.userEmail(emailHash),
      uniqueKeyDecider,
      { keyHash: emailHash, userId },
      ctx,
    );
  } catch (err) {
    if (err instanceof DomainRuleError)
      return { userId: (await userIdByEmail(ir.runtime, email))!, created: false, verificationToken: null };
    throw err;
  }
  const passwordHash =
    input.password === null ? null : await hashPassword(input.password, ir.identity.passwordScryptLog2N);
  const verificationToken = input.emailVerified ? null : userToken(userId);
  const expiresAt = new Date(ir.now().getTime() + ir.identity.verificationTokenTtlMinutes * 60_000).toISOString();
  const result = await executeCommand(
    ir.runtime,
    streams.user(userId),
    userDecider,
    {
      type: 'Register',
      userId,
      email,
      name: input.name,
      passwordHash,
      roles: input.roles,
      method: input.method,
      emailVerified: input.emailVerified,
      ...(verificationToken ? { verification: { tokenHash: sha256(verificationToken), expiresAt } } : {}),
    },
    ctx,
  );
  return {
    userId,
    created: result.events.length > 0,
    verificationToken: result.events.length > 0 ? verificationToken : null,
  };
}

export interface SessionTokens {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
  user: ReturnType<typeof userView>;
}

export function accessTokenFor(ir: IdentityRuntime, state: UserState, sessionId: string): string {
  const roles = state.roles as UserRole[];
  return mintToken(
    { ...ir.tokens, expiresIn: ir.identity.accessTokenTtlSeconds },
    { id: state.userId, role: primaryRole(roles), roles, name: state.name, sessionId },
  );
}

/** A new session for a user whose credentials were checked (or `passwordOk: false` to
 *  record a failure). Throws what the decider refuses (locked, suspended, unverified). */
export async function startSession(
  ir: IdentityRuntime,
  ctxBase: Omit<CommandContext, 'actor'>,
  userId: string,
  passwordOk: boolean,
  method: SignInMethod,
): Promise<SessionTokens | null> {
  const sessionId = newId();
  const token = refreshToken(userId, sessionId);
  const now = ir.now();
  const expiresAt = new Date(now.getTime() + ir.identity.refreshTokenTtlSeconds * 1000).toISOString();
  const { state: before } = await loadUser(ir.runtime, userId);
  const ctx: CommandContext = { ...ctxBase, actor: { id: userId, role: primaryRole(before.roles as UserRole[]) } };
  const result = await executeCommand(
    ir.runtime,
    streams.user(userId),
    userDecider,
    {
      type: 'Login',
      passwordOk,
      now: now.toISOString(),
      method,
      policy: {
        threshold: ir.identity.lockoutThreshold,
        baseSeconds: ir.identity.lockoutBaseSeconds,
        maxSeconds: ir.identity.lockoutMaxSeconds,
      },
      session: { sessionId, refreshTokenHash: sha256(token), expiresAt },
    },
    ctx,
  );
  if (result.events[0]?.type !== 'UserLoggedIn') return null;
  return {
    accessToken: accessTokenFor(ir, result.state, sessionId),
    tokenType: 'Bearer',
    expiresIn: ir.identity.accessTokenTtlSeconds,
    refreshToken: token,
    refreshExpiresAt: expiresAt,
    user: userView(result.state),
  };
}

/**
 * The per-request check behind `authenticate`: the user's stream is folded through the
 * runtime's StateCache (only new events are read), so suspension, role changes and revoked
 * sessions take effect on the next request. Tokens for subjects without an account (test
 * and demo tokens) are accepted only outside production.
 */
export function actorResolver(
  runtime: CommandRuntime,
  options: { production: boolean },
): (claims: AccessClaims) => Promise<UserActor> {
  return async (claims) => {
    const { state } = await loadUser(runtime, claims.sub);
    if (!state.exists) {
      if (options.production) throw new UnauthorizedError('the token is not valid');
      return { id: claims.sub, role: claims.role, roles: claims.roles, ...(claims.name ? { name: claims.name } : {}) };
    }
    if (state.status !== 'active') throw new UnauthorizedError('this account is suspended');
    if (claims.sid) {
      const session = state.sessions[claims.sid];
      if (!session || session.revoked) throw new UnauthorizedError('the session has ended');
    } else if (options.production) {
      throw new UnauthorizedError('the token is not valid');
    }
    const roles = state.roles as UserRole[];
    // the token's role only if the user still holds it; otherwise the current primary role
    const role = roles.includes(claims.role) ? claims.role : primaryRole(roles);
    return { id: state.userId, role, roles, name: state.name, ...(claims.sid ? { sessionId: claims.sid } : {}) };
  };
}

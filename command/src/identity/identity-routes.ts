/**
 * Identity endpoints: register, verify email, login, refresh, logout, password reset,
 * provider application, and admin user management. Mail goes through the mailer port;
 * a raw single-use token exists only in the mail, the log keeps its SHA-256.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  actorOf,
  clientIp,
  commandContext,
  commandRoute,
  executeCommand,
  limiter,
  parseInput,
  primaryRole,
  streams,
  DomainRuleError,
  NotFoundError,
  UnauthorizedError,
  type CommandContext,
  type UserRole,
} from '@booking/shared-kernel';
import type { CommandDeps } from '../http/deps.js';
import { accepted } from '../http/responses.js';
import { userDecider } from './user.js';
import {
  accessTokenFor,
  loadUser,
  registerUser,
  startSession,
  userIdByEmail,
  userView,
  type IdentityRuntime,
} from './identity-service.js';
import {
  hashPassword,
  normalizeEmail,
  parseRefreshToken,
  refreshToken as newRefreshToken,
  sha256,
  userIdOfToken,
  userToken,
  verifyPassword,
} from './secrets.js';
import {
  AdminCreateUserBody,
  DecisionBody,
  EmailBody,
  LoginBody,
  LogoutBody,
  NotificationPreferencesBody,
  ProviderApplicationBody,
  ReasonBody,
  RefreshBody,
  RegisterBody,
  ResetPasswordBody,
  RoleBody,
  TokenBody,
} from './identity-requests.js';
import { socialLoginRoute } from './social-login.js';

export function identityRoutes(deps: CommandDeps): Router {
  const router = Router();
  if (!deps.mailer || !deps.tokens || !deps.identity) return router;
  const { runtime, clock, logger } = deps;
  const mailer = deps.mailer;
  const cfg = deps.identity;
  const ir: IdentityRuntime = { runtime, tokens: deps.tokens, identity: cfg, now: () => clock.now() };
  const link = (path: string, token: string) => `${cfg.publicBaseUrl}${path}?token=${encodeURIComponent(token)}`;

  // Brute force and enumeration: per IP on every credential endpoint, and per account
  // (shared by every instance with REDIS_URL; failed-login lockouts live in the user stream).
  const perIp = limiter({
    name: 'auth-ip',
    windowMs: 60_000,
    limit: cfg.authRateLimitPerMinute,
    key: (req) => clientIp(req),
    shared: deps.rateLimits,
    onStoreError: 'refuse',
  });
  const accountKey = (req: Request): string | null => {
    const email = (req.body as { email?: unknown } | undefined)?.email;
    return typeof email === 'string' ? normalizeEmail(email).slice(0, 254) : null;
  };
  const perAccount = limiter({
    name: 'auth-account',
    windowMs: 60_000,
    limit: cfg.authAccountRateLimitPerMinute,
    key: accountKey,
    shared: deps.rateLimits,
    onStoreError: 'refuse',
  });
  const guarded: RequestHandler[] = [perIp, perAccount];

  async function sendMail(to: string, kind: string, subject: string, text: string): Promise<void> {
    try {
      await mailer.send({ to, subject, text, from: cfg.mailFrom, tags: { kind } });
    } catch (err) {
      // the client can ask again (resend / forgot); the token is never logged
      logger.error({ err, kind }, 'sending account mail failed');
    }
  }

  const sendVerification = (email: string, token: string) =>
    sendMail(
      email,
      'verify-email',
      'Confirm your email address',
      `Welcome! Confirm your email address by opening this link:\n\n${link('/verify-email', token)}\n\nThe link works once and expires in ${Math.round(cfg.verificationTokenTtlMinutes / 60)} hours.\n`,
    );

  // Register: the answer is the same whether or not the email is already taken (no account
  // enumeration); the owner of a taken address is told by mail instead.
  router.post(
    '/auth/register',
    ...guarded,
    commandRoute(runtime, async (req, res) => {
      const body = parseInput(RegisterBody, req.body);
      const result = await registerUser(ir, commandContext(req, res), {
        email: body.email,
        name: body.name,
        password: body.password,
        roles: ['customer'],
        method: 'password',
        emailVerified: false,
      });
      if (result.verificationToken) await sendVerification(normalizeEmail(body.email), result.verificationToken);
      else if (!result.created)
        await sendMail(
          normalizeEmail(body.email),
          'account-exists',
          'You already have an account',
          'Someone tried to register with this address, which already has an account. If it was you, sign in or reset your password.\n',
        );
      return {
        status: 202,
        body: { status: 'verification-sent', detail: 'check your mailbox to confirm the address' },
      };
    }),
  );

  /** The account a single-use mailed token names, acting as itself; any doubt is the same refusal. */
  async function tokenHolder(token: string, refusal: string, req: Request, res: Response) {
    const userId = userIdOfToken(token);
    if (!userId) throw new DomainRuleError('invalid-token', refusal);
    const { state } = await loadUser(runtime, userId);
    if (!state.exists) throw new DomainRuleError('invalid-token', refusal);
    const ctx: CommandContext = {
      ...commandContext(req, res),
      actor: { id: userId, role: primaryRole(state.roles as UserRole[]) },
    };
    return { userId, state, ctx };
  }

  router.post(
    '/auth/verify-email',
    perIp,
    commandRoute(runtime, async (req, res) => {
      const body = parseInput(TokenBody, req.body);
      const { userId, ctx } = await tokenHolder(
        body.token,
        'the verification link is not valid or has expired',
        req,
        res,
      );
      const result = await executeCommand(
        runtime,
        streams.user(userId),
        userDecider,
        { type: 'VerifyEmail', tokenHash: sha256(body.token), now: clock.now().toISOString() },
        ctx,
      );
      return accepted(200, { userId, emailVerified: true }, result.revision, result.position);
    }),
  );

  router.post(
    '/auth/verify-email/resend',
    ...guarded,
    commandRoute(runtime, async (req, res) => {
      const body = parseInput(EmailBody, req.body);
      const userId = await userIdByEmail(runtime, body.email);
      const { state } = userId ? await loadUser(runtime, userId) : { state: null };
      if (state?.exists && !state.emailVerified) {
        const token = userToken(userId!);
        const ctx: CommandContext = {
          ...commandContext(req, res),
          actor: { id: userId!, role: primaryRole(state.roles as UserRole[]) },
        };
        await executeCommand(
          runtime,
          streams.user(userId!),
          userDecider,
          {
            type: 'IssueVerification',
            tokenHash: sha256(token),
            expiresAt: new Date(clock.now().getTime() + cfg.verificationTokenTtlMinutes * 60_000).toISOString(),
          },
          ctx,
        );
        await sendVerification(state.email, token);
      }
      return { status: 202, body: { status: 'accepted' } };
    }),
  );

  router.post(
    '/auth/login',
    ...guarded,
    commandRoute(runtime, async (req, res) => {
      const body = parseInput(LoginBody, req.body);
      const userId = await userIdByEmail(runtime, body.email);
      const { state } = userId ? await loadUser(runtime, userId) : { state: null };
      const invalid = new UnauthorizedError('the email or password is not correct');
      if (!state?.exists) {
        await verifyPassword(body.password, null, cfg.passwordScryptLog2N);
        throw invalid;
      }
      if (state.lockedUntil && state.lockedUntil > clock.now().toISOString()) {
        // locked: refuse before spending a hash on it (the decider says how long)
        await startSession(ir, commandContext(req, res), state.userId, false, 'password');
      }
      const ok = await verifyPassword(body.password, state.passwordHash, cfg.passwordScryptLog2N);
      const session = await startSession(ir, commandContext(req, res), state.userId, ok, 'password');
      if (!session) throw invalid;
      return { status: 200, body: session };
    }),
  );

  router.post(
    '/auth/refresh',
    perIp,
    commandRoute(runtime, async (req, res) => {
      const body = parseInput(RefreshBody, req.body);
      const parsed = parseRefreshToken(body.refreshToken);
      const invalid = new UnauthorizedError('the refresh token is not valid');
      if (!parsed) throw invalid;
      const { state } = await loadUser(runtime, parsed.userId);
      if (!state.exists) throw invalid;
      const next = newRefreshToken(parsed.userId, parsed.sessionId);
      const expiresAt = new Date(clock.now().getTime() + cfg.refreshTokenTtlSeconds * 1000).toISOString();
      const ctx: CommandContext = {
        ...commandContext(req, res),
        actor: { id: parsed.userId, role: primaryRole(state.roles as UserRole[]) },
      };
      const result = await executeCommand(
        runtime,
        streams.user(parsed.userId),
        userDecider,
        {
          type: 'Refresh',
          sessionId: parsed.sessionId,
          tokenHash: sha256(body.refreshToken),
          newHash: sha256(next),
          expiresAt,
          now: clock.now().toISOString(),
        },
        ctx,
      );
      if (result.events[0]?.type !== 'RefreshTokenRotated') {
        logger.warn({ userId: parsed.userId, sessionId: parsed.sessionId }, 'refresh token reused: session revoked');
        throw invalid;
      }
      return {
        status: 200,
        body: {
          accessToken: accessTokenFor(ir, result.state, parsed.sessionId),
          tokenType: 'Bearer',
          expiresIn: cfg.accessTokenTtlSeconds,
          refreshToken: next,
          refreshExpiresAt: expiresAt,
          user: userView(result.state),
        },
      };
    }),
  );

  // Logout ends the session of the access token (and of the refresh token, when given and its own).
  router.post(
    '/auth/logout',
    commandRoute(runtime, async (req, res) => {
      const actor = actorOf(req);
      const body = parseInput(LogoutBody, req.body ?? {});
      const fromRefresh = body.refreshToken ? parseRefreshToken(body.refreshToken) : null;
      const sessionId = actor.sessionId ?? (fromRefresh?.userId === actor.id ? fromRefresh.sessionId : undefined);
      if (!sessionId) return { status: 204, body: null };
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      await executeCommand(runtime, streams.user(actor.id), userDecider, { type: 'Logout', sessionId }, ctx);
      return { status: 204, body: null };
    }),
  );

  router.post(
    '/auth/password/forgot',
    ...guarded,
    commandRoute(runtime, async (req, res) => {
      const body = parseInput(EmailBody, req.body);
      const userId = await userIdByEmail(runtime, body.email);
      const { state } = userId ? await loadUser(runtime, userId) : { state: null };
      if (state?.exists && state.status === 'active') {
        const token = userToken(userId!);
        const ctx: CommandContext = {
          ...commandContext(req, res),
          actor: { id: userId!, role: primaryRole(state.roles as UserRole[]) },
        };
        await executeCommand(
          runtime,
          streams.user(userId!),
          userDecider,
          {
            type: 'RequestPasswordReset',
            tokenHash: sha256(token),
            expiresAt: new Date(clock.now().getTime() + cfg.resetTokenTtlMinutes * 60_000).toISOString(),
          },
          ctx,
        );
        await sendMail(
          state.email,
          'password-reset',
          'Reset your password',
          `Open this link to choose a new password:\n\n${link('/reset-password', token)}\n\nThe link works once and expires in ${cfg.resetTokenTtlMinutes} minutes. If you did not ask for it, ignore this mail.\n`,
        );
      }
      return {
        status: 202,
        body: { status: 'accepted', detail: 'if the address has an account, a reset link is on its way' },
      };
    }),
  );

  router.post(
    '/auth/password/reset',
    perIp,
    commandRoute(runtime, async (req, res) => {
      const body = parseInput(ResetPasswordBody, req.body);
      const invalidReset = 'the reset link is not valid or has expired';
      const { userId, state, ctx } = await tokenHolder(body.token, invalidReset, req, res);
      if (state.reset?.tokenHash !== sha256(body.token)) throw new DomainRuleError('invalid-token', invalidReset);
      const passwordHash = await hashPassword(body.password, cfg.passwordScryptLog2N);
      const result = await executeCommand(
        runtime,
        streams.user(userId),
        userDecider,
        { type: 'ResetPassword', tokenHash: sha256(body.token), passwordHash, now: clock.now().toISOString() },
        ctx,
      );
      return accepted(200, { userId, passwordChanged: true }, result.revision, result.position);
    }),
  );

  router.post(
    '/me/provider-application',
    commandRoute(runtime, async (req, res) => {
      const actor = actorOf(req, 'customer');
      const body = parseInput(ProviderApplicationBody, req.body);
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      const result = await executeCommand(
        runtime,
        streams.user(actor.id),
        userDecider,
        { type: 'ApplyForProvider', businessName: body.businessName, ...(body.note ? { note: body.note } : {}) },
        ctx,
      );
      return accepted(
        200,
        { userId: actor.id, providerApplication: result.state.providerApplication },
        result.revision,
        result.position,
      );
    }),
  );

  router.put(
    '/me/notification-preferences',
    commandRoute(runtime, async (req, res) => {
      const actor = actorOf(req);
      const body = parseInput(NotificationPreferencesBody, req.body);
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      const result = await executeCommand(
        runtime,
        streams.user(actor.id),
        userDecider,
        {
          type: 'SetNotificationPreferences',
          userId: actor.id,
          email: body.email,
          sms: body.sms,
          ...(body.phone ? { phone: body.phone } : {}),
        },
        ctx,
      );
      return accepted(
        200,
        { userId: actor.id, notificationPreferences: result.state.notifications },
        result.revision,
        result.position,
      );
    }),
  );

  // Admin user management. The first admin never comes from here: ADMIN_EMAIL/ADMIN_PASSWORD or the CLI.
  router.post(
    '/admin/users',
    commandRoute(runtime, async (req, res) => {
      actorOf(req, 'admin');
      const body = parseInput(AdminCreateUserBody, req.body);
      const result = await registerUser(ir, commandContext(req, res), {
        ...(body.userId ? { userId: body.userId } : {}),
        email: body.email,
        name: body.name,
        password: body.password,
        roles: [...new Set(body.roles)],
        method: 'admin',
        emailVerified: body.emailVerified ?? true,
      });
      if (!result.created) throw new DomainRuleError('email-taken', 'an account with this email exists');
      if (result.verificationToken) await sendVerification(normalizeEmail(body.email), result.verificationToken);
      const { state, revision } = await loadUser(runtime, result.userId);
      return accepted(201, { user: userView(state) }, revision, null, `/api/admin/users/${result.userId}`);
    }),
  );

  const adminCommand = (build: (req: Request) => Parameters<typeof userDecider.decide>[0]) =>
    commandRoute(runtime, async (req, res) => {
      const actor = actorOf(req, 'admin');
      const command = build(req);
      const userId = String(req.params.userId);
      const { state } = await loadUser(runtime, userId);
      if (!state.exists) throw new NotFoundError('user');
      if (
        userId === actor.id &&
        (command.type === 'Suspend' || (command.type === 'RevokeRole' && command.role === 'admin'))
      ) {
        throw new DomainRuleError('self-lockout', 'an admin cannot suspend themselves or drop their own admin role');
      }
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      const result = await executeCommand(runtime, streams.user(userId), userDecider, command, ctx);
      return accepted(200, { user: userView(result.state) }, result.revision, result.position);
    });

  router.post(
    '/admin/users/:userId/roles',
    adminCommand((req) => ({ type: 'GrantRole', role: parseInput(RoleBody, req.body).role })),
  );
  router.delete(
    '/admin/users/:userId/roles/:role',
    adminCommand((req) => ({ type: 'RevokeRole', role: parseInput(RoleBody, { role: req.params.role }).role })),
  );
  router.post(
    '/admin/users/:userId/suspend',
    adminCommand((req) => ({ type: 'Suspend', reason: parseInput(ReasonBody, req.body).reason })),
  );
  router.post(
    '/admin/users/:userId/reactivate',
    adminCommand(() => ({ type: 'Reactivate' })),
  );
  router.post(
    '/admin/users/:userId/provider-application/decision',
    adminCommand((req) => {
      const b = parseInput(DecisionBody, req.body);
      return { type: 'DecideProviderApplication', decision: b.decision, ...(b.reason ? { reason: b.reason } : {}) };
    }),
  );

  router.use(socialLoginRoute(ir, deps, guarded));
  return router;
}

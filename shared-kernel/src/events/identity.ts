/**
 * Events of the identity context.
 *
 * Stream `user-<userId>`: the account, its credentials, roles, status and sessions
 * (refresh-token families). Secrets never appear here: passwords as scrypt hashes
 * (`scrypt$<log2N>$<r>$<p>$<salt>$<hash>`), single-use tokens and refresh tokens as
 * SHA-256 hex digests.
 *
 * Stream `email-<sha256(lower-case email)>`: which user owns an email address (the
 * consistency boundary that keeps emails unique). Stream `idp-<provider>-<sha256(sub)>`:
 * which user a Google/Apple identity belongs to.
 */
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
} from 'class-validator';
import { defineEvent, type EventOf } from './catalogue.js';

export const USER_ROLES_LIST = ['customer', 'provider', 'admin', 'analyst'] as const;
export type UserRoleName = (typeof USER_ROLES_LIST)[number];
export const SIGN_IN_METHODS = ['password', 'google', 'apple', 'admin', 'bootstrap', 'demo'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];
export const IDENTITY_PROVIDERS = ['google', 'apple'] as const;
export type IdentityProviderName = (typeof IDENTITY_PROVIDERS)[number];

const SHA256 = /^[a-f0-9]{64}$/;
const PASSWORD_HASH = /^scrypt\$\d{1,2}\$\d{1,2}\$\d{1,2}\$[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{32,128}$/;

export class UserRegistered {
  @IsString() @Length(1, 100) userId!: string;
  @IsEmail() @Length(3, 254) email!: string;
  @IsString() @Length(1, 200) name!: string;
  /** null for accounts that only sign in through Google/Apple */
  @IsOptional() @Matches(PASSWORD_HASH) passwordHash?: string | null;
  @IsArray() @ArrayMaxSize(4) @IsIn(USER_ROLES_LIST, { each: true }) roles!: UserRoleName[];
  @IsIn(SIGN_IN_METHODS) method!: SignInMethod;
  @IsBoolean() emailVerified!: boolean;
}

export class UserEmailVerificationIssued {
  @IsString() userId!: string;
  @Matches(SHA256) tokenHash!: string;
  @IsISO8601({ strict: true }) expiresAt!: string;
}

export class UserEmailVerified {
  @IsString() userId!: string;
  @IsEmail() email!: string;
}

export class UserLoggedIn {
  @IsString() userId!: string;
  @IsString() @Length(1, 100) sessionId!: string;
  @Matches(SHA256) refreshTokenHash!: string;
  @IsISO8601({ strict: true }) expiresAt!: string;
  @IsIn(SIGN_IN_METHODS) method!: SignInMethod;
}

export class UserLoginFailed {
  @IsString() userId!: string;
  @IsInt() @Min(1) failedAttempts!: number;
  /** set when this failure locks the account for a while */
  @IsOptional() @IsISO8601({ strict: true }) lockedUntil?: string;
}

export class RefreshTokenRotated {
  @IsString() userId!: string;
  @IsString() sessionId!: string;
  @Matches(SHA256) previousHash!: string;
  @Matches(SHA256) refreshTokenHash!: string;
  @IsISO8601({ strict: true }) expiresAt!: string;
}

export const SESSION_REVOCATION_REASONS = [
  'logout',
  'refresh-token-reuse',
  'password-reset',
  'suspended',
  'admin',
] as const;

export class SessionRevoked {
  @IsString() userId!: string;
  @IsString() sessionId!: string;
  @IsIn(SESSION_REVOCATION_REASONS) reason!: (typeof SESSION_REVOCATION_REASONS)[number];
}

export class PasswordResetRequested {
  @IsString() userId!: string;
  @Matches(SHA256) tokenHash!: string;
  @IsISO8601({ strict: true }) expiresAt!: string;
}

/** A new password; every session of the user is revoked with it. */
export class PasswordChanged {
  @IsString() userId!: string;
  @Matches(PASSWORD_HASH) passwordHash!: string;
  @IsIn(['reset', 'admin', 'bootstrap']) via!: 'reset' | 'admin' | 'bootstrap';
}

export class UserRoleGranted {
  @IsString() userId!: string;
  @IsIn(USER_ROLES_LIST) role!: UserRoleName;
}

export class UserRoleRevoked {
  @IsString() userId!: string;
  @IsIn(USER_ROLES_LIST) role!: UserRoleName;
}

export class ProviderApplicationSubmitted {
  @IsString() userId!: string;
  @IsString() @Length(1, 200) businessName!: string;
  @IsOptional() @IsString() @Length(1, 2000) note?: string;
}

export class ProviderApplicationDecided {
  @IsString() userId!: string;
  @IsIn(['approved', 'rejected']) decision!: 'approved' | 'rejected';
  @IsOptional() @IsString() @Length(1, 500) reason?: string;
}

export class UserSuspended {
  @IsString() userId!: string;
  @IsString() @Length(1, 500) reason!: string;
}

export class UserReactivated {
  @IsString() userId!: string;
}

export class ExternalIdentityLinked {
  @IsString() userId!: string;
  @IsIn(IDENTITY_PROVIDERS) provider!: IdentityProviderName;
  @Matches(SHA256) subjectHash!: string;
}

/** Which channels the user accepts notifications on, and the phone (E.164) for SMS. */
export class NotificationPreferencesChanged {
  @IsString() userId!: string;
  @IsBoolean() email!: boolean;
  @IsBoolean() sms!: boolean;
  @IsOptional() @Matches(/^\+[1-9]\d{7,14}$/) phone?: string;
}

/** `email-<hash>` and `idp-<provider>-<hash>` streams: the owner of a unique key. */
export class UniqueKeyClaimed {
  @Matches(SHA256) keyHash!: string;
  @IsString() @Length(1, 100) userId!: string;
}

export const identityEvents = [
  defineEvent('UserRegistered', UserRegistered),
  defineEvent('UserEmailVerificationIssued', UserEmailVerificationIssued),
  defineEvent('UserEmailVerified', UserEmailVerified),
  defineEvent('UserLoggedIn', UserLoggedIn),
  defineEvent('UserLoginFailed', UserLoginFailed),
  defineEvent('RefreshTokenRotated', RefreshTokenRotated),
  defineEvent('SessionRevoked', SessionRevoked),
  defineEvent('PasswordResetRequested', PasswordResetRequested),
  defineEvent('PasswordChanged', PasswordChanged),
  defineEvent('UserRoleGranted', UserRoleGranted),
  defineEvent('UserRoleRevoked', UserRoleRevoked),
  defineEvent('ProviderApplicationSubmitted', ProviderApplicationSubmitted),
  defineEvent('ProviderApplicationDecided', ProviderApplicationDecided),
  defineEvent('UserSuspended', UserSuspended),
  defineEvent('UserReactivated', UserReactivated),
  defineEvent('ExternalIdentityLinked', ExternalIdentityLinked),
  defineEvent('UniqueKeyClaimed', UniqueKeyClaimed),
  defineEvent('NotificationPreferencesChanged', NotificationPreferencesChanged),
];

export type IdentityEvent =
  | EventOf<'UserRegistered', UserRegistered>
  | EventOf<'UserEmailVerificationIssued', UserEmailVerificationIssued>
  | EventOf<'UserEmailVerified', UserEmailVerified>
  | EventOf<'UserLoggedIn', UserLoggedIn>
  | EventOf<'UserLoginFailed', UserLoginFailed>
  | EventOf<'RefreshTokenRotated', RefreshTokenRotated>
  | EventOf<'SessionRevoked', SessionRevoked>
  | EventOf<'PasswordResetRequested', PasswordResetRequested>
  | EventOf<'PasswordChanged', PasswordChanged>
  | EventOf<'UserRoleGranted', UserRoleGranted>
  | EventOf<'UserRoleRevoked', UserRoleRevoked>
  | EventOf<'ProviderApplicationSubmitted', ProviderApplicationSubmitted>
  | EventOf<'ProviderApplicationDecided', ProviderApplicationDecided>
  | EventOf<'UserSuspended', UserSuspended>
  | EventOf<'UserReactivated', UserReactivated>
  | EventOf<'ExternalIdentityLinked', ExternalIdentityLinked>
  | EventOf<'UniqueKeyClaimed', UniqueKeyClaimed>
  | EventOf<'NotificationPreferencesChanged', NotificationPreferencesChanged>;

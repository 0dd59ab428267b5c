import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { USER_ROLES_LIST, type UserRoleName } from '@booking/shared-kernel';

const PASSWORD_RULE = { message: 'password must be 10 to 200 characters' };

export class RegisterBody {
  @IsEmail() @MaxLength(254) email!: string;
  @IsString() @Length(10, 200, PASSWORD_RULE) password!: string;
  @IsString() @Length(1, 200) name!: string;
}

export class LoginBody {
  @IsEmail() @MaxLength(254) email!: string;
  @IsString() @Length(1, 200) password!: string;
}

export class TokenBody {
  @IsString() @Length(20, 400) token!: string;
}

export class EmailBody {
  @IsEmail() @MaxLength(254) email!: string;
}

export class ResetPasswordBody {
  @IsString() @Length(20, 400) token!: string;
  @IsString() @Length(10, 200, PASSWORD_RULE) password!: string;
}

export class RefreshBody {
  @IsString() @Length(20, 400) refreshToken!: string;
}

export class LogoutBody {
  @IsOptional() @IsString() @Length(20, 400) refreshToken?: string;
}

export class ProviderApplicationBody {
  @IsString() @Length(1, 200) businessName!: string;
  @IsOptional() @IsString() @Length(1, 2000) note?: string;
}

export class RoleBody {
  @IsIn(USER_ROLES_LIST) role!: UserRoleName;
}

export class ReasonBody {
  @IsString() @Length(1, 500) reason!: string;
}

export class DecisionBody {
  @IsIn(['approved', 'rejected']) decision!: 'approved' | 'rejected';
  @IsOptional() @IsString() @Length(1, 500) reason?: string;
}

export class AdminCreateUserBody {
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._:-]{1,100}$/) userId?: string;
  @IsEmail() @MaxLength(254) email!: string;
  @IsString() @Length(1, 200) name!: string;
  @IsString() @Length(10, 200, PASSWORD_RULE) password!: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(4) @IsIn(USER_ROLES_LIST, { each: true }) roles!: UserRoleName[];
  @IsOptional() @IsBoolean() emailVerified?: boolean;
}

export class SocialLoginBody {
  @IsString() @Length(20, 8192) idToken!: string;
  @IsString() @Length(8, 200) nonce!: string;
  @IsOptional() @IsString() @Length(1, 200) name?: string;
}

export class NotificationPreferencesBody {
  @IsBoolean() email!: boolean;
  @IsBoolean() sms!: boolean;
  /** E.164, e.g. +33612345678 */
  @IsOptional()
  @IsString()
  @Matches(/^\+[1-9]\d{7,14}$/, { message: 'phone must be E.164 (+ and 8 to 15 digits)' })
  phone?: string;
}

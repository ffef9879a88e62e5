import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsBoolean, IsString, MinLength, ValidateIf } from 'class-validator';
import { validateEnvironment } from './validate-environment.js';

class AuthEnvironment {
  @Transform(({ value }) => {
    if (value === undefined || value === '') return false;
    return value === 'true' ? true : value === 'false' ? false : value;
  })
  @IsBoolean({ message: 'must be true or false' })
  AUTH_DISABLED = false;

  @ValidateIf((env: AuthEnvironment) => env.AUTH_DISABLED !== true)
  @IsString({ message: 'is required (an HS256 secret of at least 32 characters) unless AUTH_DISABLED=true' })
  @MinLength(32, { message: 'must be at least 32 characters long' })
  AUTH_JWT_SECRET?: string;
}

export interface AuthConfig {
  disabled: boolean;
  jwtSecret: string | undefined;
}

export const authConfig = registerAs('auth', (): AuthConfig => {
  const env = validateEnvironment(AuthEnvironment);
  return { disabled: env.AUTH_DISABLED, jwtSecret: env.AUTH_DISABLED ? undefined : env.AUTH_JWT_SECRET };
});

import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { parseTrustProxy, TRUST_PROXY_MESSAGE, type TrustProxy } from './trust-proxy.js';
import { validateEnvironment } from './validate-environment.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

class HttpEnvironment {
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'must be a port number (1-65535)' })
  @Min(1, { message: 'must be a port number (1-65535)' })
  @Max(65535, { message: 'must be a port number (1-65535)' })
  PORT?: number;

  @IsString()
  @MinLength(1, { message: 'must be a listen address such as 0.0.0.0' })
  HOST = '0.0.0.0';

  @Transform(({ value }) => (value === undefined || value === '' ? 12000 : Number(value)))
  @IsInt({ message: 'must be a whole number of requests per minute (0 turns limiting off)' })
  @Min(0, { message: 'must be a whole number of requests per minute (0 turns limiting off)' })
  RATE_LIMIT_PER_MINUTE = 12000;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL = 'info';

  // Unset: false. A value that parses to nothing is left undefined, which IsDefined refuses.
  @Transform(({ value }) => parseTrustProxy(value))
  @IsDefined({ message: TRUST_PROXY_MESSAGE })
  TRUST_PROXY: TrustProxy = false;
}

export interface HttpConfig {
  port: number | undefined;
  host: string;
  rateLimitPerMinute: number;
  logLevel: string;
  /** Who may set the client address in X-Forwarded-For (trust-proxy.ts). */
  trustProxy: TrustProxy;
}

export const httpConfig = registerAs('http', (): HttpConfig => {
  const env = validateEnvironment(HttpEnvironment);
  return {
    port: env.PORT,
    host: env.HOST,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
  };
});

import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Min } from 'class-validator';
import { milliseconds, MS_MESSAGE } from './database.config.js';
import { validateEnvironment } from './validate-environment.js';

/**
 * Half the read agent's 1 s store breaker timeout, so that a Redis that stopped answering
 * costs a query at most this before a database answers, well within 2 s.
 */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 500;

class RedisEnvironment {
  @IsOptional()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'must be a redis:// URL (or unset to run without Redis)' })
  REDIS_URL?: string;

  @Transform(milliseconds(DEFAULT_REDIS_COMMAND_TIMEOUT_MS))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  REDIS_COMMAND_TIMEOUT_MS = DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
}

export interface RedisConfig {
  /** Undefined when the agent runs without Redis. */
  url: string | undefined;
  /** Longest wait for the reply to any Redis command; default DEFAULT_REDIS_COMMAND_TIMEOUT_MS. */
  commandTimeoutMs?: number;
}

export const redisConfig = registerAs('redis', (): RedisConfig => {
  const env = validateEnvironment(RedisEnvironment);
  return { url: env.REDIS_URL || undefined, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS };
});

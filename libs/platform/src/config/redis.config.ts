import { registerAs } from '@nestjs/config';
import { IsOptional, Matches } from 'class-validator';
import { validateEnvironment } from './validate-environment.js';

class RedisEnvironment {
  @IsOptional()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'must be a redis:// URL (or unset to run without Redis)' })
  REDIS_URL?: string;
}

export interface RedisConfig {
  /** Undefined when the agent runs without Redis. */
  url: string | undefined;
}

export const redisConfig = registerAs('redis', (): RedisConfig => {
  const env = validateEnvironment(RedisEnvironment);
  return { url: env.REDIS_URL || undefined };
});

import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsArray, IsInt, Matches, Min, ValidateIf } from 'class-validator';
import { milliseconds, MS_MESSAGE } from './database.config.js';
import { EnvironmentError, validateEnvironment } from './validate-environment.js';

/**
 * Half the read agent's 1 s store breaker timeout, so that a Redis that stopped answering
 * costs a query at most this before a database answers, well within 2 s.
 */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 500;

/** host:port, the host a name, an IPv4 address or a bracketed IPv6 address. */
const SENTINEL_ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:,[\]]+):([1-9]\d{0,4})$/;

/** Unset or empty: not validated (an empty variable counts as unset). */
const UnlessEmpty = () => ValidateIf((_env, value) => value !== undefined && value !== null && value !== '');

class RedisEnvironment {
  @UnlessEmpty()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'must be a redis:// URL (or unset to run without Redis)' })
  REDIS_URL?: string;

  @Transform(({ value }) =>
    typeof value === 'string'
      ? value.split(',').map((address) => address.trim()).filter((address) => address.length > 0)
      : [],
  )
  @IsArray()
  @Matches(SENTINEL_ADDRESS, { each: true, message: 'must be comma-separated host:port addresses of Redis Sentinels' })
  REDIS_SENTINELS: string[] = [];

  @UnlessEmpty()
  @Matches(/^[^\s]+$/, { message: 'must be the name of the master the sentinels monitor' })
  REDIS_SENTINEL_NAME?: string;

  REDIS_PASSWORD?: string;

  REDIS_SENTINEL_PASSWORD?: string;

  @Transform(milliseconds(DEFAULT_REDIS_COMMAND_TIMEOUT_MS))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  REDIS_COMMAND_TIMEOUT_MS = DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
}

export interface SentinelAddress {
  host: string;
  port: number;
}

export interface RedisConfig {
  /** Undefined when the agent runs without Redis or follows Sentinels. */
  url: string | undefined;
  /**
   * Set instead of `url`: the master named `name`, as the sentinels report it; `password`
   * for the master and its replicas (AUTH), `sentinelPassword` for the sentinels.
   */
  sentinel?: { sentinels: SentinelAddress[]; name: string; password?: string; sentinelPassword?: string };
  /** Longest wait for the reply to any Redis command; default DEFAULT_REDIS_COMMAND_TIMEOUT_MS. */
  commandTimeoutMs?: number;
}

/** Whether the agent has a Redis at all (REDIS_URL or REDIS_SENTINELS). */
export const redisConfigured = (config: RedisConfig): boolean => Boolean(config.url || config.sentinel);

function sentinelAddress(address: string): SentinelAddress {
  const [, host, port] = SENTINEL_ADDRESS.exec(address)!;
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port: Number(port) };
}

export const redisConfig = registerAs('redis', (): RedisConfig => {
  const env = validateEnvironment(RedisEnvironment);
  const url = env.REDIS_URL || undefined;
  const name = env.REDIS_SENTINEL_NAME || undefined;
  const sentinels = env.REDIS_SENTINELS;
  if (url && sentinels.length > 0) {
    throw new EnvironmentError(
      'Invalid environment: REDIS_URL and REDIS_SENTINELS are both set: set REDIS_URL for one Redis, or REDIS_SENTINELS with REDIS_SENTINEL_NAME to follow a Sentinel-managed one, not both',
    );
  }
  if (sentinels.length > 0 && !name) {
    throw new EnvironmentError('Invalid environment: REDIS_SENTINEL_NAME: is required with REDIS_SENTINELS (the master name the sentinels monitor)');
  }
  if (name && sentinels.length === 0) {
    throw new EnvironmentError('Invalid environment: REDIS_SENTINELS: is required with REDIS_SENTINEL_NAME (comma-separated host:port addresses)');
  }
  const password = env.REDIS_PASSWORD || undefined;
  const sentinelPassword = env.REDIS_SENTINEL_PASSWORD || undefined;
  if ((password || sentinelPassword) && !name) {
    throw new EnvironmentError(
      `Invalid environment: ${password ? 'REDIS_PASSWORD' : 'REDIS_SENTINEL_PASSWORD'}: is for REDIS_SENTINELS; with REDIS_URL the password goes in the URL (redis://:password@host:6379)`,
    );
  }
  const sentinel = name
    ? { sentinels: sentinels.map(sentinelAddress), name, ...(password && { password }), ...(sentinelPassword && { sentinelPassword }) }
    : undefined;
  return { url, sentinel, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS };
});

import { afterEach, describe, expect, it } from 'vitest';
import { authConfig } from './auth.config.js';
import { corsConfig } from './cors.config.js';
import { databaseConfig } from './database.config.js';
import { httpConfig } from './http.config.js';
import { redisConfig } from './redis.config.js';

// Compose writes `NAME=` for an unset `${NAME:-}`, and Kubernetes does for an empty key:
// every optional variable left empty must mean what leaving it out means.
const OPTIONAL = [
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'RATE_LIMIT_PER_MINUTE',
  'TRUST_PROXY',
  'AUTH_DISABLED',
  'CORS_ORIGINS',
  'DATABASE_REPLICA_URLS',
  'PG_CONNECT_TIMEOUT_MS',
  'PG_STATEMENT_TIMEOUT_MS',
  'PG_LOCK_TIMEOUT_MS',
  'PG_QUERY_TIMEOUT_MS',
  'PG_IDLE_IN_TRANSACTION_TIMEOUT_MS',
  'READ_PG_CONNECT_TIMEOUT_MS',
  'READ_PG_STATEMENT_TIMEOUT_MS',
  'READ_PG_LOCK_TIMEOUT_MS',
  'READ_PG_QUERY_TIMEOUT_MS',
  'REDIS_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_COMMAND_TIMEOUT_MS',
];
const LOADERS = { httpConfig, authConfig, corsConfig, databaseConfig, redisConfig };

describe('validateEnvironment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  const required = { DATABASE_URL: 'postgres://user:password@127.0.0.1:5432/db', AUTH_JWT_SECRET: 'x'.repeat(32) };
  const load = (env: Record<string, string>) => {
    process.env = { ...required, ...env };
    return Object.fromEntries(Object.entries(LOADERS).map(([name, loader]) => [name, loader()]));
  };

  it('reads every empty optional platform variable as unset', () => {
    const unset = load({});
    const empty = load(Object.fromEntries(OPTIONAL.map((name) => [name, ''])));
    expect(empty).toEqual(unset);
    expect(empty.redisConfig).toMatchObject({ url: undefined, sentinel: undefined });
    expect(empty.databaseConfig).toMatchObject({ replicaUrls: [] });
    expect(empty.httpConfig).toMatchObject({ host: '0.0.0.0', logLevel: 'info', trustProxy: false });
  });

  it('reports an empty required variable as missing', () => {
    process.env = { ...required, DATABASE_URL: '' };
    expect(() => databaseConfig()).toThrow(/^Invalid environment: DATABASE_URL: /);
  });
});

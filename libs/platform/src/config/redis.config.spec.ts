import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS, redisConfig } from './redis.config.js';

describe('redisConfig', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('bounds every Redis command by 500 ms unless REDIS_COMMAND_TIMEOUT_MS says otherwise', () => {
    delete process.env.REDIS_COMMAND_TIMEOUT_MS;
    expect(redisConfig().commandTimeoutMs).toBe(DEFAULT_REDIS_COMMAND_TIMEOUT_MS);
    expect(DEFAULT_REDIS_COMMAND_TIMEOUT_MS).toBe(500);
    process.env.REDIS_COMMAND_TIMEOUT_MS = '250';
    expect(redisConfig().commandTimeoutMs).toBe(250);
  });

  it.each(['0', '-5', '1.5', 'soon'])('refuses REDIS_COMMAND_TIMEOUT_MS=%s with one line naming it', (value) => {
    process.env.REDIS_COMMAND_TIMEOUT_MS = value;
    expect(() => redisConfig()).toThrow(/^Invalid environment: REDIS_COMMAND_TIMEOUT_MS: must be a whole number of milliseconds/);
  });
});

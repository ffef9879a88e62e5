import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS, redisConfig, redisConfigured } from './redis.config.js';

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

  describe('REDIS_SENTINELS and REDIS_SENTINEL_NAME', () => {
    const clear = () => {
      for (const name of ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD']) delete process.env[name];
    };

    it('follows the named master of the listed sentinels, instead of a URL', () => {
      clear();
      process.env.REDIS_SENTINELS = ' 127.0.0.1:26379, sentinel-b:26380,[::1]:26381 ,';
      process.env.REDIS_SENTINEL_NAME = 'agent-fleet';
      const config = redisConfig();
      expect(config.url).toBeUndefined();
      expect(config.sentinel).toEqual({
        name: 'agent-fleet',
        sentinels: [
          { host: '127.0.0.1', port: 26379 },
          { host: 'sentinel-b', port: 26380 },
          { host: '::1', port: 26381 },
        ],
      });
      expect(redisConfigured(config)).toBe(true);
    });

    it('counts empty variables as unset: no Redis at all', () => {
      clear();
      process.env.REDIS_URL = '';
      process.env.REDIS_SENTINELS = '';
      process.env.REDIS_SENTINEL_NAME = '';
      const config = redisConfig();
      expect(config).toMatchObject({ url: undefined, sentinel: undefined });
      expect(redisConfigured(config)).toBe(false);
    });

    it('refuses REDIS_URL and REDIS_SENTINELS together, saying so', () => {
      clear();
      process.env.REDIS_URL = 'redis://127.0.0.1:6379';
      process.env.REDIS_SENTINELS = '127.0.0.1:26379';
      process.env.REDIS_SENTINEL_NAME = 'agent-fleet';
      expect(() => redisConfig()).toThrow(/^Invalid environment: REDIS_URL and REDIS_SENTINELS are both set/);
    });

    it('refuses one of the two Sentinel variables without the other', () => {
      clear();
      process.env.REDIS_SENTINELS = '127.0.0.1:26379';
      expect(() => redisConfig()).toThrow(/^Invalid environment: REDIS_SENTINEL_NAME: is required with REDIS_SENTINELS/);
      clear();
      process.env.REDIS_SENTINEL_NAME = 'agent-fleet';
      expect(() => redisConfig()).toThrow(/^Invalid environment: REDIS_SENTINELS: is required with REDIS_SENTINEL_NAME/);
    });

    it.each(['127.0.0.1', 'redis://127.0.0.1:26379', '127.0.0.1:0', '127.0.0.1:port', 'a b:26379', '::1:26379'])(
      'refuses REDIS_SENTINELS=%s with one line naming it',
      (value) => {
        clear();
        process.env.REDIS_SENTINELS = value;
        process.env.REDIS_SENTINEL_NAME = 'agent-fleet';
        expect(() => redisConfig()).toThrow(/^Invalid environment: REDIS_SENTINELS: must be comma-separated host:port addresses of Redis Sentinels$/);
      },
    );
    it('takes the master password and the sentinels password with REDIS_SENTINELS', () => {
      clear();
      process.env.REDIS_SENTINELS = '127.0.0.1:26379';
      process.env.REDIS_SENTINEL_NAME = 'agent-fleet';
      process.env.REDIS_PASSWORD = 'master secret';
      process.env.REDIS_SENTINEL_PASSWORD = 'sentinel secret';
      expect(redisConfig().sentinel).toMatchObject({ password: 'master secret', sentinelPassword: 'sentinel secret' });
      process.env.REDIS_PASSWORD = '';
      process.env.REDIS_SENTINEL_PASSWORD = '';
      expect(redisConfig().sentinel).not.toHaveProperty('password');
      expect(redisConfig().sentinel).not.toHaveProperty('sentinelPassword');
    });

    it.each(['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD'])('refuses %s without REDIS_SENTINELS: with REDIS_URL it goes in the URL', (name) => {
      clear();
      process.env.REDIS_URL = 'redis://127.0.0.1:6379';
      process.env[name] = 'secret';
      expect(() => redisConfig()).toThrow(new RegExp(`^Invalid environment: ${name}: is for REDIS_SENTINELS; with REDIS_URL the password goes in the URL`));
    });
  });
});

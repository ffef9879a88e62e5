import { afterEach, describe, expect, it } from 'vitest';
import { httpConfig } from './http.config.js';
import { fastifyTrustProxy, parseTrustProxy } from './trust-proxy.js';

describe('TRUST_PROXY', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('trusts no proxy when unset, empty or false', () => {
    delete process.env.TRUST_PROXY;
    expect(httpConfig().trustProxy).toBe(false);
    process.env.TRUST_PROXY = '';
    expect(httpConfig().trustProxy).toBe(false);
    process.env.TRUST_PROXY = 'false';
    expect(httpConfig().trustProxy).toBe(false);
  });

  it('takes true, a hop count, or comma-separated addresses and CIDR ranges', () => {
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy(' 10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8,loopback')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    process.env.TRUST_PROXY = '172.31.250.0/24';
    expect(httpConfig().trustProxy).toEqual(['172.31.250.0/24']);
  });

  it.each(['yes', '10.0.0.0/33', '10.0.0/8', 'gateway', '::1/129', '10.0.0.1/8/1', '-1', ','])(
    'refuses TRUST_PROXY=%s with one line naming it',
    (value) => {
      process.env.TRUST_PROXY = value;
      expect(() => httpConfig()).toThrow(/^Invalid environment: TRUST_PROXY: must be true, false, a number of hops/);
    },
  );

  it('turns a hop count into a function trusting that many hops, since Fastify trusts nobody for a number', () => {
    const trust = fastifyTrustProxy(1) as (address: string, hop: number) => boolean;
    expect(trust('10.1.2.3', 0)).toBe(true);
    expect(trust('10.1.2.3', 1)).toBe(false);
    expect(fastifyTrustProxy(['10.0.0.0/8'])).toEqual(['10.0.0.0/8']);
    expect(fastifyTrustProxy(false)).toBe(false);
  });
});

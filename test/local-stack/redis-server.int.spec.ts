import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@app/local-stack';

function client(url: string, options: { lazyConnect?: boolean } = {}): Redis {
  const redis = new Redis(url, { ...options, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined); // failures surface as rejected commands
  return redis;
}

async function ping(url: string): Promise<string> {
  const redis = client(url, { lazyConnect: true });
  try {
    await redis.connect();
    return await redis.ping();
  } finally {
    redis.disconnect();
  }
}

describe('startRedisServer', () => {
  let server: RedisServer | null = null;

  afterAll(async () => {
    await server?.stop();
  });

  it('starts redis-server from PATH and stops it', async () => {
    server = await startRedisServer();
    if (!server) throw new Error('redis-server is not on PATH: the real-store tests need it');
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await ping(server.url)).toBe('PONG');

    const writer = client(server.url);
    await writer.set('k', 'v');
    writer.disconnect();

    await server.restart();
    expect(await ping(server.url)).toBe('PONG');
    const after = client(server.url);
    expect(await after.get('k')).toBeNull(); // no persistence
    after.disconnect();

    server.kill();
    await expect(ping(server.url)).rejects.toThrow();
    await server.restart();
    expect(await ping(server.url)).toBe('PONG');

    await server.stop();
    await expect(ping(server.url)).rejects.toThrow();
    await server.stop(); // idempotent
  });

  it('resolves null when redis-server is not installed', async () => {
    expect(await startRedisServer({ binary: 'redis-server-that-does-not-exist' })).toBeNull();
  });
});

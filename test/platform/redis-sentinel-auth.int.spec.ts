import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@app/local-stack';
import { createRedisClient, type RedisConfig } from '@app/platform';
import { command } from '../support/redis-sentinel.js';

// A master and a sentinel that both require a password (REDIS_PASSWORD for the master,
// REDIS_SENTINEL_PASSWORD for the sentinel), as a production Sentinel group does. The
// passwords are set once both run: the harness's readiness check speaks without AUTH.

const NAME = 'auth-test';
const MASTER_PASSWORD = 'master password with spaces';
const SENTINEL_PASSWORD = 'sentinel-password';

let dir: string;
let master: RedisServer;
let sentinel: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redis-sentinel-auth-'));
  master = (await startRedisServer({ args: ['--dir', dir] }))!;
  const file = join(dir, 'sentinel.conf');
  await writeFile(file, `dir ${dir}\nsentinel monitor ${NAME} 127.0.0.1 ${master.port} 1\n`);
  sentinel = (await startRedisServer({ configFile: file, args: ['--sentinel'] }))!;
  await command(master.port, ['CONFIG', 'SET', 'requirepass', MASTER_PASSWORD]);
  await command(sentinel.port, ['SENTINEL', 'SET', NAME, 'auth-pass', MASTER_PASSWORD]);
  await command(sentinel.port, ['ACL', 'SETUSER', 'default', 'on', 'resetpass', `>${SENTINEL_PASSWORD}`]);
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await sentinel?.stop();
  await master?.stop();
  await rm(dir, { recursive: true, force: true });
});

const configWith = (passwords: { password?: string; sentinelPassword?: string }): RedisConfig => ({
  url: undefined,
  commandTimeoutMs: 500,
  sentinel: { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: NAME, ...passwords },
});

async function pingThrough(config: RedisConfig): Promise<{ reply: string | null; port?: number }> {
  const client = createRedisClient(config, { sentinelRetryStrategy: () => null, retryStrategy: () => null })!;
  clients.push(client);
  client.on('error', () => undefined);
  const ready = await new Promise<boolean>((done) => {
    client.once('ready', () => done(true));
    client.once('end', () => done(false));
    setTimeout(() => done(false), 5_000);
  });
  if (!ready) return { reply: null };
  return { reply: await client.ping(), port: client.stream?.remotePort };
}

it('reaches the master through a sentinel when both passwords are given', async () => {
  expect(await command(sentinel.port, ['PING'], SENTINEL_PASSWORD)).toBe('PONG');
  expect(await pingThrough(configWith({ password: MASTER_PASSWORD, sentinelPassword: SENTINEL_PASSWORD }))).toEqual({ reply: 'PONG', port: master.port });
});

it('does not get in without the sentinel password, nor without the master password', async () => {
  expect((await pingThrough(configWith({ password: MASTER_PASSWORD }))).reply).toBeNull();
  expect((await pingThrough(configWith({ sentinelPassword: SENTINEL_PASSWORD }))).reply).toBeNull();
});

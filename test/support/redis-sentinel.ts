import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '@app/local-stack';
import { until } from './projection-harness.js';

/**
 * A Sentinel-managed Redis of real processes on loopback: a master, one replica of it
 * (`--replicaof`) and three sentinels (`redis-server <conf> --sentinel`, each with its own
 * configuration file in a temporary directory, which the sentinel rewrites as it learns),
 * quorum 2. Resolves once the replica is in sync and every sentinel knows the replica and
 * the two other sentinels, so that a failover can be agreed on at once.
 */
export interface SentinelGroup {
  /** The master name the sentinels monitor (REDIS_SENTINEL_NAME). */
  readonly name: string;
  /** The servers in the order started: [0] the first master, [1] its replica. */
  readonly servers: RedisServer[];
  readonly sentinels: RedisServer[];
  /** REDIS_SENTINELS: "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3". */
  readonly addresses: string;
  /** The master's port as the sentinels report it (the first that answers). */
  masterPort(): Promise<number | null>;
  /** A client that follows the master through the sentinels, for assertions. */
  client(): Redis;
  /** Stops the sentinels first (no failover on the way out), then the servers. Idempotent. */
  stop(): Promise<void>;
}

export interface SentinelGroupOptions {
  name?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  log?: (line: string) => void;
}

export async function startSentinelGroup(options: SentinelGroupOptions = {}): Promise<SentinelGroup> {
  const name = options.name ?? 'agent-fleet';
  const servers: RedisServer[] = [];
  const sentinels: RedisServer[] = [];
  const clients: Redis[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'redis-sentinel-'));
  const stop = async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(sentinels.map((sentinel) => sentinel.stop()));
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Their working directory is the temporary one: a replica's full sync writes dump.rdb there.
    const master = await startRedisServer({ args: ['--dir', dir], log: options.log });
    if (!master) throw new Error('redis-server is not on PATH: the Sentinel tests run a Redis group of their own');
    servers.push(master);
    const replica = (await startRedisServer({ args: ['--dir', dir, '--replicaof', '127.0.0.1', String(master.port)], log: options.log }))!;
    servers.push(replica);
    await until('the replica to be in sync with the master', async () => /master_link_status:up/.test(await info(replica.port, 'replication')), 15_000);

    for (let i = 0; i < 3; i++) {
      const file = join(dir, `sentinel-${i}.conf`);
      // The port is given on the command line by startRedisServer (a free one).
      await writeFile(
        file,
        [
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
          `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 5_000}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      const sentinel = await startRedisServer({ configFile: file, args: ['--sentinel'], log: options.log });
      sentinels.push(sentinel!);
    }
    // Sentinels find each other and the replica through the master's hello channel and INFO.
    for (const sentinel of sentinels) {
      await until(
        `sentinel on ${sentinel.port} to know the replica and the two other sentinels`,
        async () => {
          const fields = await sentinelMaster(sentinel.port, name);
          return fields?.['num-slaves'] === '1' && fields?.['num-other-sentinels'] === '2';
        },
        20_000,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    name,
    servers,
    sentinels,
    addresses: sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(','),
    masterPort: async () => {
      for (const sentinel of sentinels) {
        const reply = await command(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name]).catch(() => null);
        if (Array.isArray(reply) && reply.length === 2) return Number(reply[1]);
      }
      return null;
    },
    client: () => {
      const client = new Redis({
        sentinels: sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
        name,
        maxRetriesPerRequest: 1,
        retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
        sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
        // No failoverDetector: it would drop the connection once more at +switch-master,
        // possibly under an assertion's command; after a master's death the reconnection
        // alone finds the promoted replica.
      });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    stop,
  };
}

/** One command on a short-lived connection to 127.0.0.1:port (logged in with `password`), without retries. */
export async function command(port: number, args: string[], password?: string): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0]!, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

export async function info(port: number, section: string): Promise<string> {
  return String(await command(port, ['INFO', section]).catch(() => ''));
}

async function sentinelMaster(port: number, name: string): Promise<Record<string, string> | null> {
  const reply = await command(port, ['SENTINEL', 'MASTER', name]).catch(() => null);
  if (!Array.isArray(reply)) return null;
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}

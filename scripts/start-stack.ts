/**
 * `npm start`: the whole stack on one machine (docs/api.md section 8). Starts PostgreSQL
 * (primary + streaming replica, data under .data/) unless DATABASE_URL is given, Redis
 * from REDIS_URL or a redis-server on PATH, applies migrations, runs both agents and
 * prints where they are. Ctrl-C stops everything it started.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { startAgentProcess, startPostgresCluster, startRedisServer, type PostgresCluster, type RedisServer } from '@app/local-stack';
import { runMigrations } from '../migrations/data-source.js';
import { startExampleWorker } from './example-worker.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DATA_DIR = join(ROOT, '.data');
const LOG_DIR = join(DATA_DIR, 'logs');

const say = (line: string) => console.log(`[stack] ${line}`);
const stoppers: Array<() => Promise<unknown>> = [];

async function devSecret(): Promise<string> {
  if (process.env.AUTH_JWT_SECRET) return process.env.AUTH_JWT_SECRET;
  const file = join(DATA_DIR, 'dev-jwt-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

async function databases(): Promise<{ primaryUrl: string; replicaUrls: string[] }> {
  if (process.env.DATABASE_URL) {
    say('using DATABASE_URL (and DATABASE_REPLICA_URLS) from the environment');
    const replicaUrls = (process.env.DATABASE_REPLICA_URLS ?? '').split(',').map((url) => url.trim()).filter(Boolean);
    return { primaryUrl: process.env.DATABASE_URL, replicaUrls };
  }
  const synchronous = process.env.PG_SYNCHRONOUS_REPLICATION === 'true';
  say(`starting PostgreSQL 15 primary + streaming replica, ${synchronous ? 'synchronous' : 'asynchronous'} replication (data in .data/postgres)`);
  const cluster: PostgresCluster = await startPostgresCluster({
    dataDir: join(DATA_DIR, 'postgres'),
    durable: true,
    synchronous,
    log: (line) => say(line),
  });
  stoppers.push(() => cluster.stop());
  return { primaryUrl: cluster.primaryUrl, replicaUrls: cluster.replicaUrls };
}

async function redis(): Promise<string | undefined> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const server: RedisServer | null = await startRedisServer();
  if (!server) {
    say('no REDIS_URL and no redis-server on PATH: running without Redis (reads come from the replica)');
    return undefined;
  }
  stoppers.push(() => server.stop());
  return server.url;
}

const LOCAL_BROKER = { host: '127.0.0.1', port: 5672 };

/** AMQP_URL, else the local broker when one answers; undefined: no relay and no example worker. */
async function broker(): Promise<string | undefined> {
  if (process.env.AMQP_URL) return process.env.AMQP_URL;
  const answers = await new Promise<boolean>((done) => {
    const socket = connect(LOCAL_BROKER);
    socket.setTimeout(1_000, () => (socket.destroy(), done(false)));
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
  if (answers) return `amqp://guest:guest@${LOCAL_BROKER.host}:${LOCAL_BROKER.port}`;
  say(`no AMQP_URL and no broker on ${LOCAL_BROKER.host}:${LOCAL_BROKER.port}: no event relay and no example worker`);
  return undefined;
}

/** One built agent, its output appended to .data/logs/<name>.log and its stderr echoed here too. */
async function startAgent(name: string, entry: string, port: string, host: string, env: Record<string, string | undefined>): Promise<void> {
  await startAgentProcess({
    name,
    entry: join(ROOT, entry),
    cwd: ROOT,
    env: { ...process.env, ...env },
    port: Number(port),
    host,
    logFile: join(LOG_DIR, `${name}.log`),
    onLine: (line, stream) => {
      if (stream === 'stderr') process.stderr.write(`[${name}] ${line}\n`);
    },
    readyTimeoutMs: 60_000,
    onSpawn: (agent) => stoppers.unshift(() => agent.stop()),
    onUnexpectedExit: (code, signal) => {
      if (shuttingDown) return;
      say(`${name} exited unexpectedly (${signal ?? code}); see .data/logs/${name}.log`);
      void shutdown(1);
    },
  }).catch((error: Error) => {
    if (!shuttingDown) throw new Error(`${error.message.split('\n')[0]}; see .data/logs/${name}.log`);
  });
}

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping...');
  for (const stop of stoppers) await stop().catch((error: Error) => say(`stop failed: ${error.message}`));
  process.exit(code);
}

async function main(): Promise<void> {
  // `on`, not `once`: while a handler of ours is listening, local-stack's process guard
  // leaves the order of stopping to shutdown() instead of stopping the stores and
  // re-raising the signal at once, which would kill this process before the agents finish.
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  await mkdir(LOG_DIR, { recursive: true });

  const { primaryUrl, replicaUrls } = await databases();
  const redisUrl = await redis();
  const amqpUrl = await broker();
  const applied = await runMigrations(primaryUrl);
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema is up to date');

  const secret = await devSecret();
  const writePort = process.env.WRITE_PORT ?? '3000';
  const readPort = process.env.READ_PORT ?? '3001';
  const host = process.env.HOST ?? '127.0.0.1';
  const common = { DATABASE_URL: primaryUrl, REDIS_URL: redisUrl, AUTH_JWT_SECRET: secret };
  const writeUrl = `http://${host}:${writePort}`;
  const readUrl = `http://${host}:${readPort}`;
  await Promise.all([
    startAgent('write-agent', 'dist/apps/write-agent/src/main.js', writePort, host, { ...common, AMQP_URL: amqpUrl }),
    startAgent('read-agent', 'dist/apps/read-agent/src/main.js', readPort, host, {
      ...common,
      DATABASE_REPLICA_URLS: process.env.DATABASE_REPLICA_URLS ?? replicaUrls.join(','),
    }),
  ]);
  if (shuttingDown) return;

  const token = await new SignJWT({ scope: 'commands:write queries:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('local-developer')
    .setIssuedAt()
    .setExpirationTime('30d')
    .sign(new TextEncoder().encode(secret));

  if (amqpUrl) {
    const fleet = startExampleWorker({ writeUrl, readUrl, token, amqpUrl, log: (line) => console.log(`[example-worker] ${line}`) });
    stoppers.unshift(() => fleet.stop());
  }

  console.log(`
  write agent   ${writeUrl}      docs ${writeUrl}/docs
  read agent    ${readUrl}      docs ${readUrl}/docs
  PostgreSQL    ${primaryUrl} (primary)
                ${replicaUrls.join(', ') || '(no replica)'}
  Redis         ${redisUrl ?? '(none)'}
  RabbitMQ      ${amqpUrl ? `${amqpUrl.replace(/\/\/[^@]*@/, '//')} (example worker completes echo tasks)` : '(none)'}
  logs          .data/logs/

  token (commands:write queries:read, 30 days):
  ${token}

  try:  curl -X POST ${writeUrl}/agents -H "Authorization: Bearer $TOKEN" \\
          -H 'Content-Type: application/json' -d '{"name":"crawler-1","version":"1.0.0"}'

  Ctrl-C stops everything.
`);
}

main().catch(async (error: unknown) => {
  console.error(`[stack] failed: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});

/**
 * `npm start`: the whole stack on one machine (API.md section 7). Starts PostgreSQL
 * (primary + streaming replica, data under .data/) unless DATABASE_URL is given, Redis
 * from REDIS_URL or a redis-server on PATH, applies migrations, runs both agents and
 * prints where they are. Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { startPostgresCluster, startRedisServer, type PostgresCluster, type RedisServer } from '@app/local-stack';
import { runMigrations } from '../migrations/data-source.js';

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
  say('starting PostgreSQL 15 primary + streaming replica (data in .data/postgres)');
  const cluster: PostgresCluster = await startPostgresCluster({
    dataDir: join(DATA_DIR, 'postgres'),
    durable: true,
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

function startAgent(name: string, entry: string, env: Record<string, string | undefined>): ChildProcess {
  const log = createWriteStream(join(LOG_DIR, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
  child.stderr!.pipe(log);
  const exited = new Promise((done) => child.once('exit', done));
  child.once('exit', (code, signal) => {
    if (!shuttingDown) {
      say(`${name} exited unexpectedly (${signal ?? code}); see .data/logs/${name}.log`);
      void shutdown(1);
    }
  });
  stoppers.unshift(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  return child;
}

async function waitReady(name: string, url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (shuttingDown) return;
    const ok = await fetch(`${url}/health/ready`).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${name} did not become ready within 60 s; see .data/logs/${name}.log`);
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
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  await mkdir(LOG_DIR, { recursive: true });

  const { primaryUrl, replicaUrls } = await databases();
  const redisUrl = await redis();
  const applied = await runMigrations(primaryUrl);
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema is up to date');

  const secret = await devSecret();
  const writePort = process.env.WRITE_PORT ?? '3000';
  const readPort = process.env.READ_PORT ?? '3001';
  const host = process.env.HOST ?? '127.0.0.1';
  const common = { DATABASE_URL: primaryUrl, REDIS_URL: redisUrl, AUTH_JWT_SECRET: secret, HOST: host };
  startAgent('write-agent', 'dist/apps/write-agent/src/main.js', { ...common, PORT: writePort });
  startAgent('read-agent', 'dist/apps/read-agent/src/main.js', {
    ...common,
    PORT: readPort,
    DATABASE_REPLICA_URLS: process.env.DATABASE_REPLICA_URLS ?? replicaUrls.join(','),
  });
  const writeUrl = `http://${host}:${writePort}`;
  const readUrl = `http://${host}:${readPort}`;
  await Promise.all([waitReady('write-agent', writeUrl), waitReady('read-agent', readUrl)]);

  const token = await new SignJWT({ scope: 'commands:write queries:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('local-developer')
    .setIssuedAt()
    .setExpirationTime('30d')
    .sign(new TextEncoder().encode(secret));

  console.log(`
  write agent   ${writeUrl}      docs ${writeUrl}/docs
  read agent    ${readUrl}      docs ${readUrl}/docs
  PostgreSQL    ${primaryUrl} (primary)
                ${replicaUrls.join(', ') || '(no replica)'}
  Redis         ${redisUrl ?? '(none)'}
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

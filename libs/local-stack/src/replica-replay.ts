import type { ClusterUrls } from './cluster-registry.js';
import { withClient } from './pg-client.js';
import { waitFor } from './wait.js';

export interface ReplicaToWatch {
  url: string;
  /** For the time-out message; default: its port. */
  name?: string;
  /** Appended to the time-out message, e.g. the end of the server's log. */
  details?: () => Promise<string>;
}

export interface ReplayResult {
  /** The primary's pg_current_wal_lsn() at the call. */
  lsn: string;
  /** How long the slowest replica took to reach it. */
  ms: number;
}

/**
 * Resolves when every replica has replayed the primary's WAL up to where it was at the
 * call (`pg_last_wal_replay_lsn() >= pg_current_wal_lsn()` of the primary, read first).
 */
export function waitForReplicaReplay(urls: ClusterUrls, options: { timeoutMs: number }): Promise<ReplayResult> {
  return waitForReplay(urls.primaryUrl, urls.replicaUrls.map((url) => ({ url })), options);
}

export async function waitForReplay(
  primaryUrl: string,
  replicas: readonly ReplicaToWatch[],
  options: { timeoutMs: number; abort?: () => string | undefined },
): Promise<ReplayResult> {
  const started = Date.now();
  const lsn = await withClient(primaryUrl, async (client) => {
    const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    return rows[0]?.lsn ?? '0/0';
  });
  await Promise.all(
    replicas.map((replica) =>
      waitFor(
        `${replica.name ?? `replica on port ${new URL(replica.url).port}`} replaying the primary's WAL up to ${lsn}`,
        () =>
          withClient(replica.url, async (client) => {
            const { rows } = await client.query<{ done: boolean }>(
              'SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done',
              [lsn],
            );
            return rows[0]?.done ? true : undefined;
          }),
        { timeoutMs: options.timeoutMs, intervalMs: 20, details: replica.details, abort: options.abort },
      ),
    ),
  );
  return { lsn, ms: Date.now() - started };
}

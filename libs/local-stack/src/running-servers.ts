import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runningPostmasterPid } from './postgres-server.js';

/**
 * The pids of the PostgreSQL servers still running on a cluster's `dataDir` (its
 * primary/ and replica-N/ directories): a directory in use must not be removed.
 */
export async function runningPostgresPids(dataDir: string): Promise<number[]> {
  const entries = await readdir(dataDir).catch(() => [] as string[]);
  const pids = await Promise.all(
    entries.filter((name) => /^(primary|replica-\d+)$/.test(name)).map((name) => runningPostmasterPid(join(dataDir, name))),
  );
  return pids.filter((pid): pid is number => pid !== undefined);
}

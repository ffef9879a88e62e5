import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startPostgresCluster, withClient } from '@app/local-stack';

// The folder where, as root, the cluster's files move when the postgres OS user cannot
// reach them. Left 0700 by an older run (or created so by a recursive mkdir of a data
// folder), it would lock that user out of everything under it.
const reachableRoot = join('/var/tmp', `local-stack-test-${process.pid}-${Date.now()}`);
process.env.LOCAL_STACK_SERVER_DIR = reachableRoot;
const asRoot = process.getuid?.() === 0;

let folder: string | undefined;
let stop: (() => Promise<void>) | undefined;
afterAll(async () => {
  await stop?.();
  delete process.env.LOCAL_STACK_SERVER_DIR;
  await rm(reachableRoot, { recursive: true, force: true });
  if (folder) await rm(folder, { recursive: true, force: true });
});

it('starts a cluster whose data folder is private, through a root folder that was left closed (0700)', async () => {
  await mkdir(reachableRoot, { mode: 0o700 });
  folder = await mkdtemp(join(tmpdir(), 'private-data-'));
  const lines: string[] = [];
  const cluster = await startPostgresCluster({ dataDir: join(folder, 'data'), replicas: 0, log: (line) => lines.push(line) });
  stop = () => cluster.stop();
  const { rows } = await withClient(cluster.primaryUrl, (client) => client.query<{ one: number }>('SELECT 1 AS one'));
  expect(rows).toEqual([{ one: 1 }]);
  // As root the data moved under the root folder, which is now traversable; otherwise nothing moved.
  expect(lines.some((line) => line.includes(`the cluster's files are kept in ${reachableRoot}/`))).toBe(asRoot);
  expect((await stat(reachableRoot)).mode & 0o111).toBe(asRoot ? 0o111 : 0o100);
});

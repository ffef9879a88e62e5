import { createHash } from 'node:crypto';
import { chmod, chown, cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { PostgresBinaries } from './postgres-binaries.js';
import { runCommand } from './run-command.js';
import type { ServerUser } from './server-user.js';

/**
 * Where the servers' files live when we are root: PostgreSQL runs as an unprivileged
 * user, which cannot enter a checkout under /root or in a `mktemp -d` folder. Whatever it
 * cannot reach moves under this folder (world-traversable, kept across reboots), at a
 * name derived from the original path, so the next start finds the same cluster.
 */
export const reachableRoot = (): string => process.env.LOCAL_STACK_SERVER_DIR || '/var/tmp/local-stack';

export interface ServerPaths {
  dataDir: string;
  binaries: PostgresBinaries;
}

/** The data directory and binaries to use: the given ones when the server user can reach them. */
export async function reachableServerPaths(
  dataDir: string,
  binaries: PostgresBinaries,
  user: ServerUser | undefined,
  log: (line: string) => void,
): Promise<ServerPaths> {
  if (!user) return { dataDir, binaries };
  const paths = { dataDir, binaries };
  if (!(await userCan(user, binaries.postgres, '-x'))) {
    paths.binaries = await copyBinaries(binaries);
    log(`the ${user.name} OS user cannot run ${binaries.postgres}: using a copy in ${dirname(dirname(paths.binaries.postgres))}`);
  }
  if (!(await userCan(user, dataDir, '-w', '-x'))) {
    paths.dataDir = join(await ensureReachableRoot(), `data-${digest(dataDir)}`);
    await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
    await chown(paths.dataDir, user.uid, user.gid);
    log(`the ${user.name} OS user cannot reach ${dataDir}: the cluster's files are kept in ${paths.dataDir}`);
  }
  return paths;
}

/**
 * The root must let the server user through. A recursive mkdir gives every folder it
 * creates the same mode, so creating a 0700 data folder first would create the root 0700
 * too; and a root left so by an older run is repaired here.
 */
async function ensureReachableRoot(): Promise<string> {
  const root = reachableRoot();
  await mkdir(root, { recursive: true, mode: 0o755 });
  const { mode } = await stat(root);
  if ((mode & 0o111) !== 0o111) await chmod(root, (mode & 0o7777) | 0o111);
  return root;
}

/** `test` as the server user, so that every parent directory must let it through too. */
async function userCan(user: ServerUser, path: string, ...tests: Array<'-w' | '-x'>): Promise<boolean> {
  const script = tests.map((flag) => `test ${flag} "$1"`).join(' && ');
  const result = await runCommand('/bin/sh', ['-c', script, 'sh', path], { user, timeoutMs: 10_000 });
  return result.code === 0;
}

/**
 * Copies the PostgreSQL install (bin/ with its lib/ and share/ beside it) to a folder
 * everyone may read, once per install: the copy is named by the install's path and the
 * postgres binary's size and time.
 */
async function copyBinaries(binaries: PostgresBinaries): Promise<PostgresBinaries> {
  const install = dirname(dirname(binaries.postgres));
  const { size, mtimeMs } = await stat(binaries.postgres);
  const target = join(reachableRoot(), `postgres-${digest(`${install}:${size}:${mtimeMs}`)}`);
  const moved = (file: string) => join(target, relative(install, file));
  try {
    await stat(moved(binaries.postgres));
  } catch {
    await ensureReachableRoot();
    const partial = `${target}.${process.pid}.partial`;
    await rm(partial, { recursive: true, force: true });
    await cp(install, partial, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await rename(partial, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another start copied it first.
      await rm(partial, { recursive: true, force: true });
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  }
  return { initdb: moved(binaries.initdb), pgCtl: moved(binaries.pgCtl), postgres: moved(binaries.postgres) };
}

const digest = (text: string) => `${basename(text).replace(/[^\w.-]/g, '_').slice(0, 40)}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;

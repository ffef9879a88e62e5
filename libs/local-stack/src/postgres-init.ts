import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostgresBinaries } from './postgres-binaries.js';
import { writeHba } from './postgres-config.js';
import { runCommand, runOrThrow } from './run-command.js';
import { reachableRoot } from './server-reach.js';
import { chownTree, type ServerUser } from './server-user.js';

export const POSTGRES_MAJOR = '15';

/** True when `pgdata` holds an initialized cluster (PG_VERSION exists). */
export async function isInitialized(pgdata: string): Promise<boolean> {
  try {
    await stat(join(pgdata, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

export async function assertMajorVersion(pgdata: string): Promise<void> {
  const version = (await readFile(join(pgdata, 'PG_VERSION'), 'utf8')).trim();
  if (version !== POSTGRES_MAJOR) {
    throw new Error(
      `${pgdata} was initialized by PostgreSQL ${version}, but the binaries are PostgreSQL ${POSTGRES_MAJOR}. Delete that directory to start afresh.`,
    );
  }
}

/** initdb with superuser "postgres", trust authentication, UTF8 and the C locale. */
export async function initPrimary(
  pgdata: string,
  binaries: PostgresBinaries,
  user: ServerUser | undefined,
  durable: boolean,
): Promise<void> {
  await rm(pgdata, { recursive: true, force: true });
  await mkdir(pgdata, { recursive: true, mode: 0o700 });
  await chownTree(pgdata, user);
  await runOrThrow(
    binaries.initdb,
    [
      '--pgdata',
      pgdata,
      '--username',
      'postgres',
      '--auth',
      'trust',
      '--encoding',
      'UTF8',
      '--locale',
      'C',
      ...(durable ? [] : ['--no-sync']),
    ],
    { user, timeoutMs: 120_000 },
  );
  await writeHba(pgdata, user);
}

/**
 * When we are root the servers run as `user`, which must be able to reach and write
 * `dir` (every parent directory traversable) and run the binaries. Checked up front for
 * a clear message instead of an obscure initdb failure.
 */
export async function assertUserCanUse(dir: string, binaries: PostgresBinaries, user: ServerUser | undefined): Promise<void> {
  if (!user) return;
  // /bin/sh rather than node: the node binary itself may sit where the user cannot go.
  const script = 'test -w "$1" && test -x "$1" && test -x "$2"';
  const result = await runCommand('/bin/sh', ['-c', script, 'sh', dir, binaries.postgres], { user, timeoutMs: 30_000 });
  if (result.code !== 0) {
    throw new Error(
      `The "${user.name}" OS user (PostgreSQL cannot run as root) cannot write ${dir} or run ${binaries.postgres}: ` +
        `a parent directory is probably not accessible to it, nor to ${reachableRoot()}. ` +
        `Set LOCAL_STACK_SERVER_DIR to a folder it can reach, or make the parents traversable (chmod o+x).\n${result.stderr.trim().split('\n').slice(0, 3).join('\n')}`,
    );
  }
}

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, readPidFile, runningPostgresPids } from '@app/local-stack';
import { defer } from './lifecycle.js';

const PREFIX = 'agent-fleet-bench-';
const OWNER_FILE = 'bench-owner.pid';

/** A temp dir removed at the end of the run; marked with our pid so a later run can remove it if we die. */
export async function makeTempDir(kind: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${kind}-`));
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
  defer(`temp dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Removes temp dirs left by bench runs that were killed (SIGKILL skips all cleanup):
 * those whose owner process is gone and that no running PostgreSQL still uses.
 */
export async function removeStaleTempDirs(log: (line: string) => void): Promise<void> {
  let entries: string[];
  try {
    entries = (await readdir(tmpdir())).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(tmpdir(), name);
    const owner = await readPidFile(join(dir, OWNER_FILE));
    if (owner === undefined || isAlive(owner)) continue;
    if ((await runningPostgresPids(dir)).length > 0) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    log(`removed ${dir}, left by an earlier bench run (pid ${owner}) that did not finish`);
  }
}

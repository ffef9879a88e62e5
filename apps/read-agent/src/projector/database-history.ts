import { Injectable } from '@nestjs/common';
import { EventLogSource } from '../event-log/event-log.source.js';

/**
 * Which history of the database the primary serves: `<system identifier>:<timeline>`.
 * A promotion starts a new timeline (after an asynchronous failover the new primary may
 * lack the last commits of the old one), and a restore into a new cluster brings a new
 * system identifier. Views built from another history may hold events this database does
 * not have, so the projector starts over when it changes. The WAL file name of the
 * current position carries the timeline at once, where pg_control_checkpoint() would
 * wait for the end-of-recovery checkpoint. Both functions need no privilege.
 */
const HISTORY = `
  SELECT (SELECT system_identifier FROM pg_control_system())::text || ':' ||
         ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS history`;

@Injectable()
export class DatabaseHistory {
  constructor(private readonly source: EventLogSource) {}

  /** The primary's history; rejects while the primary cannot be asked. */
  async current(): Promise<string> {
    const { rows } = await this.source.query<{ history: string }>(HISTORY, [], 'primary');
    return rows[0].history;
  }
}

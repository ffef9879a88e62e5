import type { LogPosition } from '@app/domain';
import type { LogQuery, LogSource } from './log-source.js';
import type { LoggedEvent } from './logged-event.js';

export const LOG_START: LogPosition = { txId: 0n, position: 0n };

/** Backlogs up to this size are counted exactly; larger ones are estimated. */
const EXACT_BACKLOG_LIMIT = 10_000;

interface EventRow {
  tx: string;
  pos: string;
  aggregate_type: string;
  aggregate_id: string;
  revision: number;
  type: string;
  data: unknown;
  occurred_at: string;
}

export interface Backlog {
  /** Committed events after the position (an estimate above EXACT_BACKLOG_LIMIT). */
  events: number;
  /** occurredAt of the first of them, null when there is none. */
  firstOccurredAt: Date | null;
}

/**
 * Reads the event log in its total order (tx_id, position), gap-safely: only rows of
 * transactions older than every transaction still in flight (`log_xmin()`: the snapshot's
 * xmin on the log clock, migrations/1765200000000-log-clock.ts), so no event can later
 * commit behind a position already read (docs/architecture.md, "The event log"). Served by
 * events_tx_order_idx. Each read is gap-safe for its own snapshot, on whichever database
 * answers it, so a reader may switch between the replica and the primary from one read
 * to the next (docs/adr/0003). The read agent's projector and rebuild and the write agent's
 * relay all read the log through it.
 */
export class EventLogReader {
  /** `onRead` hears which database answered each read of events (the projector counts them). */
  constructor(
    private readonly source: LogQuery,
    private readonly onRead: (source: LogSource) => void = () => undefined,
  ) {}

  /** Up to `limit` events after `after`, from the replica unless `from` says the primary. */
  async readAfter(after: LogPosition, limit: number, from: LogSource = 'replica'): Promise<LoggedEvent[]> {
    // The text copies get names of their own: ORDER BY would otherwise sort by them, as text.
    // occurred_at comes formatted as JavaScript's toISOString() would (milliseconds, as the
    // write agent stores it), sparing a Date per event on a rebuild.
    const { rows, source } = await this.source.query<EventRow>(
      `SELECT e.tx_id::text AS tx, e.position::text AS pos, e.aggregate_type, e.aggregate_id, e.revision,
              e.type, e.data,
              to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at
       FROM events e
       WHERE (e.tx_id, e.position) > ($1::xid8, $2::bigint)
         AND e.tx_id < log_xmin()
       ORDER BY e.tx_id, e.position
       LIMIT $3`,
      [after.txId.toString(), after.position.toString(), limit],
      from,
    );
    this.onRead(source);
    return rows.map((row) => ({
      txId: BigInt(row.tx),
      position: BigInt(row.pos),
      aggregateType: row.aggregate_type,
      aggregateId: row.aggregate_id,
      revision: row.revision,
      type: row.type,
      data: row.data,
      occurredAt: row.occurred_at,
    }));
  }

  /**
   * Committed events after a position, counted over the index up to a bound so that the
   * cost stays small however far behind the projector is. Beyond the bound, the distance
   * in positions is the estimate: positions are dense except for rolled-back appends.
   */
  async backlog(after: LogPosition): Promise<Backlog> {
    const { rows } = await this.source.query<{ exact: number; first_at: Date | null; head: string | null }>(
      `SELECT count(*)::int AS exact, min(occurred_at) AS first_at,
              (SELECT max(position) FROM events)::text AS head
       FROM (SELECT occurred_at FROM events
             WHERE (tx_id, position) > ($1::xid8, $2::bigint)
             ORDER BY tx_id, position LIMIT $3) AS behind`,
      [after.txId.toString(), after.position.toString(), EXACT_BACKLOG_LIMIT + 1],
    );
    const row = rows[0];
    const estimate = row.head === null ? 0 : Number(BigInt(row.head) - after.position);
    const events = row.exact > EXACT_BACKLOG_LIMIT ? Math.max(row.exact, estimate) : row.exact;
    return { events, firstOccurredAt: row.first_at };
  }
}

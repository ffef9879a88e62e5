import { LOG_START, type EventLogReader } from '@app/event-log';
import { RELAY_NAME } from './relay-lease.js';
import type { RelayBacklog } from './relay-metrics.js';
import type { RelayPrimary } from './relay-primary.js';

/** Health checks and metric scrapes arriving together share one look. */
const FRESH_MS = 500;

/** How far the relay is behind the log, from the checkpoint row and the log itself. */
export class RelayProgress {
  private latest: { at: number; backlog: Promise<RelayBacklog> } | undefined;

  constructor(
    private readonly db: RelayPrimary,
    private readonly log: EventLogReader,
  ) {}

  backlog(): Promise<RelayBacklog> {
    if (!this.latest || Date.now() - this.latest.at > FRESH_MS) {
      const latest = { at: Date.now(), backlog: this.look() };
      latest.backlog.catch(() => {
        if (this.latest === latest) this.latest = undefined;
      });
      this.latest = latest;
    }
    return this.latest.backlog;
  }

  private async look(): Promise<RelayBacklog> {
    const [row] = await this.db.rows<{ tx: string; pos: string }>(
      `SELECT checkpoint_tx::text AS tx, checkpoint_position::text AS pos FROM relay_leases WHERE name = $1`,
      [RELAY_NAME],
    );
    const checkpoint = row ? { txId: BigInt(row.tx), position: BigInt(row.pos) } : LOG_START;
    const { events, firstOccurredAt } = await this.log.backlog(checkpoint);
    const lagSeconds = events === 0 || !firstOccurredAt ? 0 : Math.max(0, (Date.now() - firstOccurredAt.getTime()) / 1000);
    return { eventsBehind: events, lagSeconds };
  }
}

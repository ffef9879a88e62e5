import { Injectable } from '@nestjs/common';
import { DATABASE_HISTORY_SQL, historyTag } from '@app/event-log';
import { EventLogSource } from './event-log.source.js';

/** How long the query side trusts the history it last read. */
const TAG_FRESH_MS = 1_000;

/**
 * Which history of the database the primary serves (`<system identifier>:<timeline>`,
 * libs/event-log/src/database-history.ts). The projector records it with each generation
 * and starts over when it changes; the query side refuses a position token of another
 * history (docs/adr/0009-database-history.md).
 */
@Injectable()
export class DatabaseHistory {
  private known: { tag: string; at: number } | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly source: EventLogSource) {}

  /** The primary's history; rejects while the primary cannot be asked. */
  async current(): Promise<string> {
    const { rows } = await this.source.query<{ history: string }>(`SELECT ${DATABASE_HISTORY_SQL} AS history`, [], 'primary');
    const history = rows[0].history;
    this.known = { tag: historyTag(history), at: Date.now() };
    return history;
  }

  /**
   * The tag of the current history as last read, read again (once, however many callers
   * wait) when older than a second; undefined while the primary has never answered.
   */
  async currentTag(): Promise<string | undefined> {
    if (!this.known || Date.now() - this.known.at > TAG_FRESH_MS) {
      this.refreshing ??= this.current().then(
        () => undefined,
        () => undefined, // the primary cannot say: the last known history stands
      ).finally(() => (this.refreshing = undefined));
      await this.refreshing;
    }
    return this.known?.tag;
  }
}

import { Counter, Gauge } from 'prom-client';
import type { OldestOpenTransaction } from './oldest-open-transaction.js';
import type { ProjectionProgress } from './projection-progress.js';

export const poisonEvents = new Counter({
  name: 'cqrs_projection_poison_events_total',
  help: 'Events the projector could not apply, recorded in the poison hash and skipped',
});

export const historyRestarts = new Counter({
  name: 'cqrs_projection_history_restarts_total',
  help: "Times the projector started a new generation because the database's history changed (a failover to a new timeline, or a restore into a new cluster)",
});

// What the gauges read at scrape time; every read agent reports the shared projection.
let source: ProjectionProgress | undefined;

/** The gauges read from the most recently bound progress (one per process in production). */
export function bindProjectionGauges(next: ProjectionProgress): void {
  source = next;
}

// A scrape while Redis or the database is down keeps the last value instead of failing.
const gauge = (name: string, help: string, read: (from: ProjectionProgress) => Promise<number | null>) =>
  new Gauge({
    name,
    help,
    async collect() {
      if (!source) return;
      const value = await read(source).catch(() => null);
      if (value !== null) this.set(value);
    },
  });

gauge(
  'cqrs_projection_lag_seconds',
  'Seconds between now and the commit of the last applied event; 0 when caught up',
  (from) => from.lagSeconds(),
);
gauge(
  'cqrs_projection_events_behind',
  'Committed events not yet applied (exact up to 10000, then estimated from log positions)',
  (from) => from.eventsBehind(),
);
gauge('cqrs_projection_position', 'The last event log position projected into Redis', (from) => from.lastPosition());

let oldest: OldestOpenTransaction | undefined;

/** The oldest-transaction gauge reads from the most recently bound probe. */
export function bindOldestTransactionGauge(next: OldestOpenTransaction): void {
  oldest = next;
}

new Gauge({
  name: 'cqrs_projection_oldest_transaction_age_seconds',
  help: 'Seconds since the oldest transaction still open on the primary began; the projector reads no event committed after it began (0: none open)',
  async collect() {
    const value = await oldest?.ageSeconds().catch(() => null);
    if (value !== null && value !== undefined) this.set(value);
  },
});

import { Counter, Gauge } from 'prom-client';

export const relayPublished = new Counter({
  name: 'cqrs_relay_published_total',
  help: 'Events the relay published and the broker confirmed (a republished event counts again)',
});

export interface RelayBacklog {
  eventsBehind: number;
  lagSeconds: number;
}

let look: (() => Promise<RelayBacklog>) | undefined;

/** The gauges read the relay's progress at each scrape, on every write agent, holder or not. */
export function bindRelayGauges(read: () => Promise<RelayBacklog>): void {
  look = read;
}

// A scrape while the primary is down keeps the last value instead of failing.
const gauge = (name: string, help: string, pick: (backlog: RelayBacklog) => number) =>
  new Gauge({
    name,
    help,
    async collect() {
      const backlog = await look?.().catch(() => undefined);
      if (backlog) this.set(pick(backlog));
    },
  });

gauge(
  'cqrs_relay_events_behind',
  'Committed events after the relay checkpoint, not yet confirmed by the broker (exact up to 10000, then estimated)',
  (backlog) => backlog.eventsBehind,
);
gauge(
  'cqrs_relay_lag_seconds',
  'Age of the oldest committed event the broker has not confirmed yet; 0 when the relay is caught up',
  (backlog) => backlog.lagSeconds,
);

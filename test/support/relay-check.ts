import { expect } from 'vitest';
import type { Received } from './rabbitmq.js';
import type { TestDatabase } from './test-database.js';
import { until } from './projection-harness.js';

interface LogRow {
  tx: string;
  pos: string;
  aggregate_type: string;
  aggregate_id: string;
  revision: number;
  type: string;
  data: unknown;
  occurred_at: Date;
  request_id: string | null;
  agent_id: string;
}

/** The event log in its read order, each event with its agent (a task's from its row). */
export async function logOf(db: TestDatabase): Promise<LogRow[]> {
  const { rows } = await db.sql.query<LogRow>(`
    SELECT e.tx_id::text AS tx, e.position::text AS pos, e.aggregate_type, e.aggregate_id::text AS aggregate_id, e.revision,
           e.type, e.data, e.occurred_at, e.metadata->>'requestId' AS request_id,
           coalesce(t.agent_id, e.aggregate_id)::text AS agent_id
      FROM events e LEFT JOIN tasks t ON e.aggregate_type = 'task' AND t.id = e.aggregate_id
     ORDER BY e.tx_id, e.position`);
  return rows;
}

/** The message docs/api.md ("Events on RabbitMQ") says an event becomes, written out from the row. */
export function expectedMessage(row: LogRow): Omit<Received, 'redelivered' | 'receivedAt'> {
  const position = `${row.tx}.${row.pos}`;
  return {
    routingKey: `${row.aggregate_type}.${row.type}.${row.agent_id}`,
    messageId: `${row.aggregate_id}:${row.revision}`,
    type: row.type,
    contentType: 'application/json',
    timestamp: Math.floor(row.occurred_at.getTime() / 1000),
    durable: true,
    headers: {
      'aggregate-type': row.aggregate_type,
      'aggregate-id': row.aggregate_id,
      revision: row.revision,
      position,
      'request-id': row.request_id,
    },
    body: {
      type: row.type,
      aggregateId: row.aggregate_id,
      revision: row.revision,
      data: row.data,
      occurredAt: row.occurred_at.toISOString(),
      agentId: row.agent_id,
      position,
    },
  };
}

export interface DeliveryFigures {
  events: number;
  messages: number;
  duplicates: number;
  /** From the event's occurredAt (taken just before its commit) to its first delivery: p50, p99, max in ms. */
  latencyMs: { p50: number; p99: number; max: number };
}

/** Waits until the consumer has a message for every event of the log. */
export async function waitForEveryEvent(db: TestDatabase, received: Received[], timeoutMs = 60_000): Promise<number> {
  let expected = (await logOf(db)).length;
  return until(
    `a message for each of the ${expected} events`,
    async () => {
      if (new Set(received.map((message) => message.messageId)).size < expected) return false;
      expected = (await logOf(db)).length;
      return new Set(received.map((message) => message.messageId)).size >= expected;
    },
    timeoutMs,
  );
}

/**
 * Every event of the log arrived at least once, exactly as specified; after dropping
 * duplicates by messageId, each position once and each aggregate's revisions in order.
 */
export async function expectEveryEventPublished(db: TestDatabase, received: Received[]): Promise<DeliveryFigures> {
  const log = await logOf(db);
  const firsts = new Map<string, Received>();
  for (const message of received) if (!firsts.has(message.messageId!)) firsts.set(message.messageId!, message);

  const missing = log.filter((row) => !firsts.has(`${row.aggregate_id}:${row.revision}`));
  expect(missing.slice(0, 5), `${missing.length} of ${log.length} events never arrived`).toEqual([]);
  expect(firsts.size, 'messages of events that are not in the log').toBe(log.length);

  const wrong: string[] = [];
  for (const row of log) {
    const { redelivered: _, receivedAt: __, ...got } = firsts.get(`${row.aggregate_id}:${row.revision}`)!;
    const want = expectedMessage(row);
    if (JSON.stringify(sorted(got)) !== JSON.stringify(sorted(want))) wrong.push(`got ${JSON.stringify(got)}\nwant ${JSON.stringify(want)}`);
  }
  expect(wrong.slice(0, 3), `${wrong.length} messages differ from their event`).toEqual([]);

  const positions = [...firsts.values()].map((message) => message.body.position);
  expect(new Set(positions).size, 'distinct positions after dropping duplicates').toBe(log.length);

  const lastRevision = new Map<string, number>();
  const disorder: string[] = [];
  for (const message of firsts.values()) {
    const aggregate = String(message.body.aggregateId);
    const revision = Number(message.body.revision);
    if (revision !== (lastRevision.get(aggregate) ?? 0) + 1) disorder.push(`${aggregate}: ${revision} after ${lastRevision.get(aggregate) ?? 0}`);
    lastRevision.set(aggregate, revision);
  }
  expect(disorder.slice(0, 5), 'aggregates whose messages arrived out of revision order').toEqual([]);
  const latencies = [...firsts.values()].map((message) => message.receivedAt - Date.parse(String(message.body.occurredAt))).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    events: log.length,
    messages: received.length,
    duplicates: received.length - firsts.size,
    latencyMs: { p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1] ?? 0 },
  };
}

/** The same value with object keys sorted, so that key order is no difference. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted((value as Record<string, unknown>)[key])]));
  }
  return value;
}

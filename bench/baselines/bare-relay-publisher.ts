/**
 * Baseline of the relay scenario: the simplest publisher doing the relay's job. One `pg`
 * client reads the log from the primary in batches of BATCH_SIZE (keyset on position, no
 * gap-safe cut, no lease, no checkpoint), builds each message with the relay's own
 * relayMessage() (apps/write-agent/src/relay/relay-message.ts: the same body, envelope and
 * size; the agent id is the aggregate id, as the relay's context query answers on a log
 * without task rows), and publishes it with the same client library (`rabbitmq-client`)
 * on one channel in confirm mode, all of a batch at once, then awaits the batch's confirms.
 * No work-queue declarations.
 *
 * Environment: DATABASE_URL, AMQP_URL, BATCH_SIZE, EVENTS. Prints one JSON line:
 * { startedAtMs, connectedAtMs, confirmedAtMs, published } (epoch milliseconds).
 */
import pg from 'pg';
import { Connection } from 'rabbitmq-client';
import { eventsExchangeDeclaration } from '@app/domain';
import { relayMessage } from '../../apps/write-agent/src/relay/relay-message.js';

const startedAtMs = performance.timeOrigin + performance.now();
const batchSize = Number(process.env.BATCH_SIZE ?? '1000');
const total = Number(process.env.EVENTS ?? '100000');

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
const connection = new Connection({ url: process.env.AMQP_URL });
const channel = await connection.acquire();
await channel.confirmSelect();
await channel.exchangeDeclare(eventsExchangeDeclaration);
const connectedAtMs = performance.timeOrigin + performance.now();

interface Row {
  tx: string;
  pos: string;
  aggregate_type: string;
  aggregate_id: string;
  revision: number;
  type: string;
  data: unknown;
  occurred_at: string;
}

let after = '0';
let published = 0;
while (published < total) {
  const { rows } = await client.query<Row>(
    `SELECT tx_id::text AS tx, position::text AS pos, aggregate_type, aggregate_id, revision, type, data,
            to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at
       FROM events WHERE position > $1::bigint ORDER BY position LIMIT $2`,
    [after, batchSize],
  );
  if (rows.length === 0) break;
  await Promise.all(
    rows.map((row) => {
      const message = relayMessage(
        {
          txId: BigInt(row.tx),
          position: BigInt(row.pos),
          aggregateType: row.aggregate_type,
          aggregateId: row.aggregate_id,
          revision: row.revision,
          type: row.type,
          data: row.data,
          occurredAt: row.occurred_at,
        },
        { agentId: row.aggregate_id, requestId: null },
      );
      return channel.basicPublish(message.envelope, message.body);
    }),
  );
  published += rows.length;
  after = rows[rows.length - 1].pos;
}
const confirmedAtMs = performance.timeOrigin + performance.now();
console.log(JSON.stringify({ startedAtMs, connectedAtMs, confirmedAtMs, published }));
// The figures are out: closing gets 2 s (an AMQP close can wait on the broker), then the process ends anyway.
await Promise.race([
  (async () => {
    await channel.close();
    await connection.close();
    await client.end();
  })(),
  new Promise((done) => setTimeout(done, 2_000).unref()),
]);
process.exit(0);

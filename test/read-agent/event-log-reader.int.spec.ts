import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort } from '@app/local-stack';
import { LOG_START, type EventLogReader, type LoggedEvent } from '@app/event-log';
import { EventLogSource } from '../../apps/read-agent/src/event-log/event-log.source.js';
import { projectorLogReader } from '../../apps/read-agent/src/event-log/projector-log-reader.js';
import { logReads } from '../../apps/read-agent/src/event-log/log-reads.metric.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
const sources: EventLogSource[] = [];
const readerOn = (config: { primaryUrl: string; replicaUrls: string[] }) => {
  const source = new EventLogSource(config);
  sources.push(source);
  return projectorLogReader(source);
};

beforeAll(async () => {
  db = await createTestDatabase('event_log_reader');
});
afterAll(async () => {
  await Promise.all(sources.map((source) => source.onApplicationShutdown()));
  await db?.close();
});

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const INSERT = `INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
                VALUES ('agent', $1, 1, 'AgentPaused', '{}', '{}', now())`;

/** One writer: transactions of 1-3 events, some held open before COMMIT, some rolled back. */
async function writer(committed: Set<string>, transactions: number): Promise<void> {
  const client = new pg.Client({ connectionString: db.primaryUrl });
  await client.connect();
  try {
    for (let i = 0; i < transactions; i++) {
      const ids = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => randomUUID());
      await client.query('BEGIN');
      for (const id of ids) await client.query(INSERT, [id]);
      if (Math.random() < 0.4) await sleep(50 + Math.random() * 250);
      if (Math.random() < 0.1) {
        await client.query('ROLLBACK');
        continue;
      }
      await client.query('COMMIT');
      for (const id of ids) committed.add(id);
    }
  } finally {
    await client.end();
  }
}

/** Reads small batches in a loop until `done()` says everything committed has been read. */
async function readLoop(
  read: (after: LoggedEvent | null) => Promise<LoggedEvent[]>,
  done: (count: number) => boolean,
  idleMs = 20_000,
) {
  const seen: LoggedEvent[] = [];
  const deadline = Date.now() + 20_000;
  let idleSince = Date.now();
  while (!done(seen.length) && Date.now() < deadline && Date.now() - idleSince < idleMs) {
    const batch = await read(seen.at(-1) ?? null);
    seen.push(...batch);
    if (batch.length > 0) idleSince = Date.now();
    else await sleep(3);
  }
  return seen;
}

const byLogOrder = (a: LoggedEvent, b: LoggedEvent) =>
  a.txId === b.txId ? Number(a.position - b.position) : a.txId < b.txId ? -1 : 1;

describe('EventLogReader', () => {
  it('reads every committed event exactly once, in (tx_id, position) order, while 8 writers commit out of order, also switching databases between reads', async () => {
    const committed = new Set<string>();
    let writing = true;
    const everythingRead = (count: number) => !writing && count >= committed.size;
    const gapSafe = (reader: EventLogReader) => (after: LoggedEvent | null) => reader.readAfter(after ?? LOG_START, 7);
    // As the projector does between the tail and a backlog, here at random on every read.
    const mixed = (reader: EventLogReader) => (after: LoggedEvent | null) =>
      reader.readAfter(after ?? LOG_START, 7, Math.random() < 0.5 ? 'primary' : 'replica');
    const naive = async (after: LoggedEvent | null) => {
      const { rows } = await db.sql.query(
        `SELECT e.position::text AS pos, e.aggregate_id FROM events e WHERE e.position > $1 ORDER BY e.position LIMIT 7`,
        [after?.position.toString() ?? '0'],
      );
      return rows.map((row) => ({ position: BigInt(row.pos), aggregateId: row.aggregate_id }) as LoggedEvent);
    };

    const writers = Promise.all(Array.from({ length: 8 }, () => writer(committed, 30))).finally(() => (writing = false));
    const [fromReplica, fromPrimary, fromEither, naively] = await Promise.all([
      readLoop(gapSafe(readerOn(db)), everythingRead),
      readLoop(gapSafe(readerOn({ primaryUrl: db.primaryUrl, replicaUrls: [] })), everythingRead),
      readLoop(mixed(readerOn(db)), everythingRead),
      readLoop(naive, () => !writing),
      writers,
    ]);

    expect(committed.size).toBeGreaterThan(300);
    const { rows } = await db.sql.query(`SELECT aggregate_id FROM events ORDER BY tx_id, position`);
    const logOrder = rows.map((row) => row.aggregate_id as string);
    expect(new Set(logOrder)).toEqual(committed);
    for (const seen of [fromReplica, fromPrimary, fromEither]) {
      expect(seen.map((event) => event.aggregateId)).toEqual(logOrder);
      expect([...seen].sort(byLogOrder)).toEqual(seen);
    }
    // The scenario really commits out of position order: reading by position alone loses events.
    expect(new Set(naively.map((event) => event.aggregateId)).size, 'the naive reader should have skipped some').toBeLessThan(committed.size);
  });

  it('orders transaction ids as numbers, also where they gain a digit', async () => {
    const below = randomUUID();
    await db.sql.query(INSERT, [below]);
    const { rows } = await db.sql.query(`SELECT pg_current_xact_id()::text AS xid`);
    const nextDigit = 10n ** BigInt(rows[0].xid.length);
    // Use up transaction ids to the next power of ten, whatever the cluster's count: one
    // committed transaction each (a DO block may COMMIT), without waiting for each flush.
    const burner = new pg.Client({ connectionString: db.primaryUrl });
    await burner.connect();
    try {
      await burner.query(`SET synchronous_commit = off`);
      await burner.query(`DO $$ BEGIN
        WHILE pg_current_xact_id()::text::bigint < ${nextDigit} LOOP COMMIT; END LOOP; END $$`);
    } finally {
      await burner.end();
    }
    const above = randomUUID();
    await db.sql.query(INSERT, [above]);
    const { rows: written } = await db.sql.query(`SELECT aggregate_id, tx_id::text FROM events WHERE aggregate_id = ANY($1::uuid[])`, [[below, above]]);
    const txOf = (id: string) => BigInt(written.find((row) => row.aggregate_id === id).tx_id);
    // The scenario holds: one event below the power of ten, with fewer digits, one at or past it.
    expect(txOf(below)).toBeLessThan(nextDigit);
    expect(txOf(above)).toBeGreaterThanOrEqual(nextDigit);
    expect(String(txOf(below)).length).toBeLessThan(String(txOf(above)).length);

    const reader = readerOn({ primaryUrl: db.primaryUrl, replicaUrls: [] });
    const seen = await readLoop((after) => reader.readAfter(after ?? LOG_START, 7), () => false, 500);
    const ids = seen.map((event) => event.aggregateId);
    expect(ids.indexOf(below)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(above)).toBeGreaterThan(ids.indexOf(below));
    expect(seen.at(-1)!.txId).toBeGreaterThanOrEqual(nextDigit);
    expect([...seen].sort(byLogOrder)).toEqual(seen);
    const total = Number((await db.sql.query(`SELECT count(*) FROM events`)).rows[0].count);
    expect(seen).toHaveLength(total);
  });

  it('on the hot standby, hides an event committed behind a transaction still open on the primary', async () => {
    const replica = new pg.Client({ connectionString: db.replicaUrls[0] });
    const open = new pg.Client({ connectionString: db.primaryUrl });
    await Promise.all([replica.connect(), open.connect()]);
    try {
      const reader = readerOn(db);
      const [head] = (await db.sql.query(`SELECT e.tx_id::text AS tx, e.position::text AS pos FROM events e ORDER BY e.tx_id DESC, e.position DESC LIMIT 1`)).rows;
      const after = head ? { txId: BigInt(head.tx), position: BigInt(head.pos) } : LOG_START;
      const earlier = randomUUID();
      const later = randomUUID();

      await open.query('BEGIN');
      await open.query(INSERT, [earlier]);
      await db.sql.query(INSERT, [later]);
      await waitUntil(async () => (await replica.query('SELECT 1 FROM events WHERE aggregate_id = $1', [later])).rowCount === 1);

      const { rows } = await replica.query(
        `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
                (SELECT tx_id::text FROM events WHERE aggregate_id = $1) AS later_tx`,
        [later],
      );
      expect(BigInt(rows[0].xmin)).toBeLessThan(BigInt(rows[0].later_tx));
      expect((await reader.readAfter(after, 100)).map((event) => event.aggregateId)).not.toContain(later);

      await open.query('COMMIT');
      await waitUntil(async () => (await replica.query('SELECT 1 FROM events WHERE aggregate_id = $1', [earlier])).rowCount === 1);
      await waitUntil(async () => (await reader.readAfter(after, 100)).length === 2);
      expect((await reader.readAfter(after, 100)).map((event) => event.aggregateId)).toEqual([earlier, later]);
    } finally {
      await open.query('ROLLBACK').catch(() => undefined);
      await Promise.all([replica.end(), open.end()]);
    }
  });

  it('reads the replica unless asked for the primary, and counts each read by the database that answered', async () => {
    const reader = readerOn(db);
    const before = await readsBySource();
    expect(await reader.readAfter(LOG_START, 5)).toHaveLength(5);
    expect(await readsBySource()).toEqual({ primary: before.primary, replica: before.replica + 1 });
    expect(await reader.readAfter(LOG_START, 5, 'primary')).toHaveLength(5);
    expect(await readsBySource()).toEqual({ primary: before.primary + 1, replica: before.replica + 1 });
  });

  it('reads the primary when the replica cannot be reached, or when there is none', async () => {
    const unreachable = `postgres://postgres@127.0.0.1:${await getFreePort()}/postgres`;
    const before = await readsBySource();
    expect(await readerOn({ primaryUrl: db.primaryUrl, replicaUrls: [unreachable] }).readAfter(LOG_START, 5)).toHaveLength(5);
    expect(await readerOn({ primaryUrl: db.primaryUrl, replicaUrls: [] }).readAfter(LOG_START, 5)).toHaveLength(5);
    expect(await readsBySource()).toEqual({ primary: before.primary + 2, replica: before.replica });
  });

  it('reads the replica when the primary cannot be reached', async () => {
    const unreachable = `postgres://postgres@127.0.0.1:${await getFreePort()}/postgres`;
    const reader = readerOn({ primaryUrl: unreachable, replicaUrls: db.replicaUrls });
    const before = await readsBySource();
    expect(await reader.readAfter(LOG_START, 5, 'primary')).toHaveLength(5);
    expect(await readsBySource()).toEqual({ primary: before.primary, replica: before.replica + 1 });
  });

  it('counts the backlog after a position', async () => {
    const reader = readerOn(db);
    const all = await reader.readAfter(LOG_START, 10_000);
    expect((await reader.backlog(LOG_START)).events).toBe(all.length);
    expect(await reader.backlog(all[all.length - 6])).toMatchObject({ events: 5, firstOccurredAt: expect.any(Date) });
    expect(await reader.backlog(all[all.length - 1])).toEqual({ events: 0, firstOccurredAt: null });
  });
});

async function readsBySource(): Promise<{ primary: number; replica: number }> {
  const { values } = await logReads.get();
  const of = (source: string) => values.find((value) => value.labels.source === source)?.value ?? 0;
  return { primary: of('primary'), replica: of('replica') };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${check}`);
    await sleep(10);
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Idempotency } from '../../apps/write-agent/src/idempotency/idempotency.js';
import type { IdempotencyClaim } from '../../apps/write-agent/src/idempotency/idempotency-claim.js';
import { IdempotencyKeys } from '../../apps/write-agent/src/idempotency/idempotency-keys.js';
import { tokenOf, type Appended } from '../../apps/write-agent/src/persistence/appended.js';
import { LogHead } from '../../apps/write-agent/src/persistence/log-head.js';
import type { PrimaryPool } from '../../apps/write-agent/src/persistence/primary-pool.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * A keyed success is stored by the command's statement with its own position, and moved
 * to the head of the log read after the commit (ADR 0006). A replay that comes between
 * the two must not answer another token than the first request does.
 */
let db: TestDatabase;
let keys: IdempotencyKeys;
let logHead: LogHead;
let idempotency: Idempotency;

beforeAll(async () => {
  db = await createTestDatabase('idempotency_head');
  // The real pool of the test database, in the one method these classes need.
  const primary = { query: async (text: string, values: unknown[]) => (await db.sql.query(text, values)).rows } as unknown as PrimaryPool;
  keys = new IdempotencyKeys(primary);
  logHead = new LogHead(primary, keys);
  idempotency = new Idempotency(keys, logHead);
});
afterAll(async () => {
  await db?.close();
});

/** One event of its own transaction, as another command would append it. */
async function appendEvent(): Promise<Appended> {
  const { rows } = await db.sql.query<Appended>(
    `INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
     VALUES ('agent', gen_random_uuid(), 1, 'AgentRegistered', '{}', '{}', now())
     RETURNING tx_id::text AS "txId", position::text AS position`,
  );
  return rows[0];
}

let keyCount = 0;
/** A keyed success as the command's statement stores it: its own position, head pending. */
async function storePendingSuccess(own: Appended, legacy = false): Promise<IdempotencyClaim> {
  const claim = { subject: 'head-test', key: `k-${++keyCount}`, fingerprint: 'f'.repeat(64) };
  const pending = legacy ? '' : `, 'headPending', true`;
  await db.sql.query(
    `INSERT INTO idempotency_keys (subject, key, request_hash, status_code, response)
     VALUES ($1, $2, $3, 201, jsonb_build_object('id', gen_random_uuid()::text, 'revision', 1,
       'aggregateType', 'task', 'txId', $4::text, 'position', $5::text${pending}))`,
    [claim.subject, claim.key, claim.fingerprint, own.txId, own.position],
  );
  return claim;
}

const notRun = () => Promise.reject(new Error('a replay must not run the command'));

describe('the position token of a keyed success', () => {
  it('is the same for a replay that comes before the first request stored its head, and for that request', async () => {
    const own = await appendEvent();
    const claim = await storePendingSuccess(own);
    const later = await appendEvent(); // another command's commit: the head is past `own`

    const replay = await idempotency.execute('SubmitTask', claim, notRun);
    await appendEvent(); // the head moves on before the first request reads it
    const first = await logHead.after(claim);

    expect(replay.replayed).toBe(true);
    // The head after the commit, with the database history's tag.
    expect(replay.result.position).toMatch(new RegExp(`^${tokenOf(later).replace('.', '\\.')}\\.[0-9a-f]{8}$`));
    expect(first && tokenOf(first)).toBe(replay.result.position);
    const { rows } = await db.sql.query(`SELECT response FROM idempotency_keys WHERE subject = $1 AND key = $2`, [claim.subject, claim.key]);
    expect(rows[0].response).not.toHaveProperty('headPending');
  });

  it('is settled once when many replays and the first request race for it', async () => {
    const claim = await storePendingSuccess(await appendEvent());
    const answers = await Promise.all(
      Array.from({ length: 12 }, async (_, n) => {
        if (n % 3 === 0) await appendEvent();
        if (n === 5) return tokenOf((await logHead.after(claim))!);
        return (await idempotency.execute('SubmitTask', claim, notRun)).result.position;
      }),
    );
    expect(new Set(answers).size).toBe(1);
  });

  it('replays as stored, without reading the head, when the key was stored settled', async () => {
    const own = await appendEvent();
    const claim = await storePendingSuccess(own, true);
    await appendEvent();
    const replay = await idempotency.execute('SubmitTask', claim, notRun);
    expect(replay.result.position).toBe(tokenOf(own));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyKeys } from '../../apps/write-agent/src/idempotency/idempotency-keys.js';
import type { PrimaryPool } from '../../apps/write-agent/src/persistence/primary-pool.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let keys: IdempotencyKeys;

beforeAll(async () => {
  db = await createTestDatabase('idempotency_purge');
  // The real pool of the test database, in the one method IdempotencyKeys needs.
  const primary = { query: async (text: string, values: unknown[]) => (await db.sql.query(text, values)).rows };
  keys = new IdempotencyKeys(primary as unknown as PrimaryPool);
});
afterAll(async () => {
  await db?.close();
});

const insertKeys = (count: number, prefix: string, age: string) =>
  db.sql.query(
    `INSERT INTO idempotency_keys (subject, key, request_hash, status_code, response, created_at)
     SELECT 'purge-test', $1 || n, repeat('0', 64), 201, '{}', now() - $2::interval
     FROM generate_series(1, $3) AS n`,
    [prefix, age, count],
  );

describe('the idempotency purge', () => {
  it('deletes the keys past retention in batches, each its own short transaction, and keeps the fresh ones', async () => {
    await insertKeys(2_500, 'old-', '25 hours');
    await insertKeys(10, 'fresh-', '23 hours');

    const outcome = await keys.purgeExpired(1_000);

    expect(outcome.deleted).toBe(2_500);
    // 1,000 + 1,000 + 500: the third batch came back short, so the purge stopped there.
    expect(outcome.transactions).toHaveLength(3);
    expect(new Set(outcome.transactions).size).toBe(3);
    const { rows } = await db.sql.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE subject = 'purge-test'`);
    expect(rows.map((row) => row.key).every((key) => key.startsWith('fresh-'))).toBe(true);
    expect(rows).toHaveLength(10);
  });

  it('makes one empty batch when nothing is past retention', async () => {
    const outcome = await keys.purgeExpired(1_000);
    expect(outcome).toStrictEqual({ deleted: 0, transactions: [expect.any(String)] });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_READ_TIMEOUTS } from '@app/platform';
import { SqlStore } from '../../apps/read-agent/src/stores/sql-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let store: SqlStore;

beforeAll(async () => {
  db = await createTestDatabase('sql_store');
  store = new SqlStore('primary', 'primary', db.primaryUrl, DEFAULT_READ_TIMEOUTS);
});
afterAll(async () => {
  await store?.close();
  await db?.close();
});

describe('SqlStore', () => {
  it('does not count the wait for one of its own busy connections against the database', async () => {
    // 20 queries of 600 ms on a pool of 10: the second ten wait 600 ms for a connection,
    // then run 600 ms, more than the breaker's 1 s bound for a call.
    const answers = await Promise.allSettled(Array.from({ length: 20 }, () => store.query('SELECT pg_sleep(0.6)')));
    expect(answers.filter((answer) => answer.status === 'rejected')).toStrictEqual([]);
    expect(store.breaker.isOpen).toBe(false);
  });

  it('still opens its breaker for a database that is slow itself', async () => {
    const slow = new SqlStore('primary', 'primary', db.primaryUrl, DEFAULT_READ_TIMEOUTS);
    try {
      const answers = await Promise.allSettled(Array.from({ length: 6 }, () => slow.query('SELECT pg_sleep(1.5)')));
      expect(answers.every((answer) => answer.status === 'rejected')).toBe(true);
      expect(slow.breaker.isOpen).toBe(true);
    } finally {
      await slow.close();
    }
  });
});

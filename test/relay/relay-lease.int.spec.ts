import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConfig } from '@app/platform';
import { RelayLease } from '../../apps/write-agent/src/relay/relay-lease.js';
import { RelayPrimary } from '../../apps/write-agent/src/relay/relay-primary.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let primary: RelayPrimary;
const LEASE_MS = 300;

beforeAll(async () => {
  db = await createTestDatabase('relay_lease');
  primary = new RelayPrimary(databaseConfigFor(db.primaryUrl));
});
afterAll(async () => {
  await primary?.close();
  await db?.close();
});

function databaseConfigFor(url: string) {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = url;
  try {
    return databaseConfig();
  } finally {
    process.env.DATABASE_URL = saved;
  }
}

const checkpointRow = async () =>
  (await db.sql.query(`SELECT checkpoint_tx::text AS tx, checkpoint_position::text AS pos, epoch::text AS epoch FROM relay_leases`)).rows[0];

describe('RelayLease', () => {
  it('has one holder at a time, and a holder that lost it cannot move the checkpoint', async () => {
    const first = new RelayLease(primary, LEASE_MS);
    const second = new RelayLease(primary, LEASE_MS);
    const won = await first.tryAcquire();
    expect(won).toMatchObject({ checkpoint: { txId: 0n, position: 0n } });
    expect(await second.tryAcquire()).toBeNull();
    expect(await first.checkpoint({ txId: 10n, position: 5n })).toBe(true);

    // The first holder freezes past its lease; the second takes over from its checkpoint.
    await new Promise((done) => setTimeout(done, LEASE_MS + 50));
    expect(await second.tryAcquire()).toMatchObject({ epoch: won!.epoch + 1n, checkpoint: { txId: 10n, position: 5n } });

    expect(await first.checkpoint({ txId: 99n, position: 99n }), 'a fenced-out holder').toBe(false);
    expect(first.held).toBe(false);
    expect(await first.renew()).toBe(false);
    expect(await checkpointRow()).toEqual({ tx: '10', pos: '5', epoch: String(won!.epoch + 1n) });
    expect(await second.checkpoint({ txId: 11n, position: 7n })).toBe(true);
    await second.release();
  });

  it('is free at once when its holder releases it', async () => {
    const first = new RelayLease(primary, 60_000);
    const second = new RelayLease(primary, 60_000);
    expect(await first.tryAcquire()).not.toBeNull();
    expect(await second.tryAcquire()).toBeNull();
    await first.release();
    expect(await second.tryAcquire()).toMatchObject({ checkpoint: { txId: 11n, position: 7n } });
    await second.release();
  });
});

import { describe, expect, it } from 'vitest';
import type { LogPosition } from '@app/domain';
import { toProblem } from '@app/platform';
import type { ProjectedRead, ProjectedViews } from './projected-views.js';
import { ReadRouter } from './read-router.js';
import type { SqlStore } from './sql-store.js';
import type { SqlStores } from './sql-stores.js';
import { StoresUnavailableError } from './stores-unavailable.error.js';
import type { DatabaseHistory } from '../event-log/database-history.js';

const at = (txId: number, position: number): LogPosition => ({ txId: BigInt(txId), position: BigInt(position) });

/** A database that answers its own name, reflects tokens up to `reached`, or is down. */
function database(name: string, options: { reached?: LogPosition; down?: boolean; open?: boolean; heldBack?: boolean } = {}) {
  const calls: string[] = [];
  const has = (token: LogPosition) => {
    if (options.down) throw new Error('connection refused');
    const reached = options.reached ?? at(Number.MAX_SAFE_INTEGER, 1);
    return reached.txId > token.txId || (reached.txId === token.txId && reached.position >= token.position);
  };
  const store = {
    name,
    breaker: { isOpen: options.open ?? false },
    // heldBack: an older transaction is still open, so the snapshot covers nothing new yet.
    reflects: async (token: LogPosition) => {
      calls.push('reflects');
      return has(token) && !options.heldBack;
    },
    hasEventOf: async (token: LogPosition) => {
      calls.push('hasEventOf');
      return has(token);
    },
    calls,
  };
  return store;
}

function redis(read: () => Promise<ProjectedRead<string>>, usable = true) {
  return { usable, read: (_: unknown) => read() } as unknown as ProjectedViews;
}

/** What the view asks Redis for; the fake Redis answers regardless. */
const projected = (views: ProjectedViews) => views.read('stats') as unknown as Promise<ProjectedRead<string>>;

const NO_REDIS = redis(() => Promise.reject(new Error('no redis')), false);

/** The primary's history as the router last read it (undefined: never answered). */
const history = (tag: string | undefined = 'aaaaaaaa') => ({ currentTag: async () => tag }) as unknown as DatabaseHistory;

function router(projections: ProjectedViews, replicas: ReturnType<typeof database>[], primary = database('primary'), waitMs = 100, current = history()) {
  const stores = { replicas, primary } as unknown as SqlStores;
  return new ReadRouter(projections, stores, current, { waitMs });
}

/** The query each store runs: fails on a store that is down, else answers the store's name. */
const run = async (db: SqlStore) => {
  const store = db as unknown as ReturnType<typeof database>;
  store.calls.push('query');
  if ((await store.reflects(at(1, 1)).catch(() => 'down')) === 'down') throw new Error('connection refused');
  return store.name;
};

describe('ReadRouter', () => {
  it('answers a view from Redis when it has it', async () => {
    const answer = await router(redis(async () => ({ view: 'from redis', checkpoint: null })), [database('replica-0')]).view(
      projected,
      run,
      undefined,
    );
    expect(answer).toEqual({ value: 'from redis', source: 'redis' });
  });

  it('computes the view on the replica when Redis lacks it, is down or is behind the token', async () => {
    for (const projections of [
      redis(async () => ({ view: null, checkpoint: at(9, 9) })),
      redis(() => Promise.reject(new Error('down'))),
      redis(async () => ({ view: 'old', checkpoint: at(4, 1) })),
      NO_REDIS,
    ]) {
      const answer = await router(projections, [database('replica-0')]).view(projected, run, at(5, 1));
      expect(answer).toEqual({ value: 'replica-0', source: 'replica' });
    }
  });

  it('uses Redis for a token its checkpoint covers', async () => {
    const answer = await router(redis(async () => ({ view: 'fresh', checkpoint: at(6, 1) })), [database('replica-0', { reached: at(1, 1) })]).view(
      projected,
      run,
      at(5, 7),
    );
    expect(answer.source).toBe('redis');
  });

  it('tries the next replica, then the primary', async () => {
    expect(await router(NO_REDIS, [database('replica-0', { down: true }), database('replica-1')]).fromDatabases(run, undefined)).toEqual({
      value: 'replica-1',
      source: 'replica',
    });
    expect(await router(NO_REDIS, [database('replica-0', { down: true })]).fromDatabases(run, undefined)).toEqual({
      value: 'primary',
      source: 'primary',
    });
    expect(await router(NO_REDIS, []).fromDatabases(run, undefined)).toEqual({ value: 'primary', source: 'primary' });
  });

  it('skips a replica whose breaker is open without calling it', async () => {
    const open = database('replica-0', { open: true });
    await router(NO_REDIS, [open]).fromDatabases(run, at(1, 1));
    expect(open.calls).toEqual([]);
  });

  it('waits up to READ_WAIT_MS for a replica behind the token, then asks the primary', async () => {
    const behind = database('replica-0', { reached: at(4, 1) });
    const started = Date.now();
    const answer = await router(NO_REDIS, [behind], database('primary'), 150).fromDatabases(run, at(5, 1));
    expect(answer.source).toBe('primary');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(behind.calls.filter((call) => call === 'reflects').length).toBeGreaterThan(3);
    expect(behind.calls).not.toContain('query');
  });

  it('goes to the primary at once when nothing could catch up', async () => {
    const started = Date.now();
    const answer = await router(NO_REDIS, [database('replica-0', { open: true })], database('primary'), 5_000).fromDatabases(run, at(5, 1));
    expect(answer.source).toBe('primary');
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('does not wait for a replica that failed during the request, though its breaker is still closed', async () => {
    const down = database('replica-0', { down: true });
    const started = Date.now();
    const answer = await router(NO_REDIS, [down], database('primary'), 5_000).fromDatabases(run, at(5, 1));
    expect(answer.source).toBe('primary');
    expect(Date.now() - started).toBeLessThan(100);
    expect(down.calls).toEqual(['reflects']);
  });

  it('answers 503 with Retry-After when no store answers', async () => {
    const failing = router(NO_REDIS, [database('replica-0', { down: true })], database('primary', { down: true }), 20);
    for (const token of [undefined, at(5, 1)]) {
      const error = await failing.fromDatabases(run, token).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoresUnavailableError);
      expect(toProblem(error).body.status).toBe(503);
      expect(toProblem(error).headers).toEqual({ 'Retry-After': '1' });
    }
  });

  it('lets a wrong query fail as itself instead of trying every store', async () => {
    const primary = database('primary');
    const wrong = Object.assign(new Error('syntax error'), { code: '42601' });
    const error = await router(NO_REDIS, [database('replica-0')], primary)
      .fromDatabases(async () => Promise.reject(wrong), undefined)
      .catch((caught: unknown) => caught);
    expect(error).toBe(wrong);
    expect(primary.calls).toEqual([]);
  });
  it('refuses at once, with 400, a token no store reflects and whose event the primary does not have', async () => {
    const replica = database('replica-0', { reached: at(3, 1) });
    const started = Date.now();
    const error = await router(NO_REDIS, [replica], database('primary', { reached: at(3, 1) }), 5_000)
      .fromDatabases(run, at(900, 1))
      .catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(toProblem(error).body).toMatchObject({ status: 400, errors: [{ field: 'x-min-position' }] });
  });

  it('waits for a token whose event the primary has while an older open transaction holds its snapshot back', async () => {
    const held = database('primary', { heldBack: true });
    const answer = await router(NO_REDIS, [database('replica-0', { reached: at(3, 1) })], held, 30).fromDatabases(run, at(5, 1));
    expect(answer.source).toBe('primary');
    expect(held.calls).toContain('hasEventOf');
  });

  it('waits as before for a token the primary has but the replica not yet, and when the primary cannot tell', async () => {
    const lagging = () => [database('replica-0', { reached: at(3, 1) })];
    const answer = await router(NO_REDIS, lagging(), database('primary'), 30).fromDatabases(run, at(5, 1));
    expect(answer.source).toBe('primary');
    const down = router(NO_REDIS, lagging(), database('primary', { down: true }), 30).fromDatabases(run, at(5, 1));
    await expect(down).rejects.toBeInstanceOf(StoresUnavailableError);
  });

  it('refuses with 409 a token of another history of the database, before asking any store', async () => {
    const replica = database('replica');
    const reads = router(NO_REDIS, [replica], database('primary'), 100, history('bbbbbbbb'));
    const error = await reads.fromDatabases(run, { ...at(5, 5), history: 'aaaaaaaa' }).catch((caught: unknown) => caught);
    expect(toProblem(error).body).toMatchObject({ status: 409, type: 'urn:problem:position-of-another-history' });
    expect(replica.calls).toEqual([]);
  });

  it("serves a token of the primary's history, one without a history, and any while the primary never answered", async () => {
    await expect(router(NO_REDIS, [database('replica')]).fromDatabases(run, { ...at(5, 5), history: 'aaaaaaaa' })).resolves.toMatchObject({ source: 'replica' });
    await expect(router(NO_REDIS, [database('replica')], database('primary'), 100, history('bbbbbbbb')).fromDatabases(run, at(5, 5))).resolves.toMatchObject({ source: 'replica' });
    await expect(router(NO_REDIS, [database('replica')], database('primary'), 100, history(undefined)).fromDatabases(run, { ...at(5, 5), history: 'aaaaaaaa' })).resolves.toMatchObject({ source: 'replica' });
  });
});

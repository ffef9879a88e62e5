import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '@app/domain';
import type { AggregatePersistence } from '../persistence/aggregate-persistence.js';
import type { Appended } from '../persistence/appended.js';
import type { CommandWriter } from '../persistence/command-writer.js';
import type { LogHead } from '../persistence/log-head.js';
import type { PrimaryPool, Transaction } from '../persistence/primary-pool.js';
import type { AppendedEvents } from './appended-events.js';
import type { CommandContext } from './command-context.js';
import { CommandRunner, type CommandSteps } from './command-runner.js';

// Pure control flow: the writer and the event notifier are fakes. The real statements
// run in the end-to-end tests (test/write-agent).

interface Counter {
  id: string;
  revision: number;
}
interface Bumped {
  type: 'Bumped';
  aggregateType: 'agent';
  aggregateId: string;
  revision: number;
  occurredAt: string;
  data: Record<string, never>;
}

const ID = '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10';
const APPENDED: Appended = { txId: '7521', position: '1042' };

const persistence: AggregatePersistence<Counter, Bumped> = {
  type: 'agent',
  evolve: (_state, event) => ({ id: event.aggregateId, revision: event.revision }),
  insert: () => ({ ctes: 'insert', params: [] }),
  update: () => ({ ctes: 'update', params: [] }),
  uniqueViolation: (constraint) => (constraint === 'agents_pkey' ? new DomainError('agent_already_exists', 'conflict', 'taken') : undefined),
};

const bump = (id: string, state: Counter | null, { now }: { now: Date }): Bumped[] => [
  { type: 'Bumped', aggregateType: 'agent', aggregateId: id, revision: (state?.revision ?? 0) + 1, occurredAt: now.toISOString(), data: {} },
];

function commandWith(context: Partial<CommandContext> = {}) {
  return { type: 'Bump', id: ID, context: { requestId: 'req-1', subject: 'tester', ...context } };
}
type Bump = ReturnType<typeof commandWith>;

/** A runner whose writer answers `writes` in turn: null is a save whose guard matched no row. */
function runnerWith(...writes: Array<Appended | null | Error>) {
  return runnerWithHead(null, ...writes);
}

/** The same, with a log head read after the commit (null: that read failed). */
function runnerWithHead(head: Appended | null, ...writes: Array<Appended | null | Error>) {
  const write = vi.fn(async (..._args: unknown[]) => {
    const next = writes.shift();
    if (next instanceof Error) throw next;
    return next ?? null;
  });
  const notify = vi.fn();
  const tx = { inTransaction: true } as unknown as Transaction;
  const transaction = vi.fn(async (work: (tx: Transaction) => Promise<unknown>) => work(tx));
  const db = { transaction } as unknown as PrimaryPool;
  const after = vi.fn(async () => head);
  const runner = new CommandRunner(db, { write } as unknown as CommandWriter, { notify } as unknown as AppendedEvents, { after } as unknown as LogHead);
  return { runner, write, notify, transaction, tx, after };
}

/** Steps that load the given revisions in turn (null: no aggregate). */
function stepsLoading(...revisions: Array<number | null>) {
  const load = vi.fn(async (_command: Bump, _tx?: Transaction) => {
    const revision = revisions.length > 1 ? revisions.shift()! : revisions[0];
    return { state: revision === null ? null : { id: ID, revision } };
  });
  const decide = vi.fn((command: Bump, state: Counter | null, context: { now: Date }) => bump(command.id, state, context));
  return { load, decide } satisfies CommandSteps<Bump, Counter, Bumped, object>;
}

describe('CommandRunner', () => {
  it('answers the new revision and the position token, and wakes the projectors once', async () => {
    const { runner, notify } = runnerWith(APPENDED);
    const result = await runner.run(commandWith(), persistence, stepsLoading(3));
    expect(result).toEqual({ id: ID, revision: 4, position: '7521.1042', created: false, aggregateType: 'agent' });
    expect(notify).toHaveBeenCalledExactlyOnceWith(APPENDED);
  });

  it('answers the head of the log read after its commit when that is past its own events', async () => {
    // A transaction that began earlier (lower txId) committed after another one: its
    // token must still cover the other's, so it is the head as seen after the commit.
    const { runner, after, notify } = runnerWithHead({ txId: '7530', position: '1040' }, APPENDED);
    const result = await runner.run(commandWith(), persistence, stepsLoading(3));
    expect(result.position).toBe('7530.1040');
    expect(after).toHaveBeenCalledExactlyOnceWith(undefined);
    expect(notify).toHaveBeenCalledExactlyOnceWith(APPENDED);
  });

  it('answers its own position when the head read after the commit is not later (or failed)', async () => {
    for (const head of [{ txId: '7521', position: '1041' }, { txId: '7000', position: '9999' }, null]) {
      const { runner } = runnerWithHead(head, APPENDED);
      expect((await runner.run(commandWith(), persistence, stepsLoading(3))).position).toBe('7521.1042');
    }
  });

  it('reads the head for a keyed request with its claim, which also stores that position', async () => {
    const claim = { subject: 'tester', key: 'k-1', fingerprint: 'f' };
    const { runner, after } = runnerWithHead({ txId: '7600', position: '2000' }, APPENDED);
    const result = await runner.run(commandWith({ idempotency: claim } as Partial<CommandContext>), persistence, stepsLoading(3));
    expect(after).toHaveBeenCalledExactlyOnceWith(claim);
    expect(result.position).toBe('7600.2000');
  });

  it('reports a command that found no aggregate as created', async () => {
    const { runner, write } = runnerWith(APPENDED);
    const result = await runner.run(commandWith(), persistence, stepsLoading(null));
    expect(result).toMatchObject({ revision: 1, created: true });
    expect(write.mock.calls[0][0]).toEqual({ ctes: 'insert', params: [] });
  });

  it('passes what load returned beside the state into the decider context, with the time', async () => {
    const { runner } = runnerWith(APPENDED);
    const decide = vi.fn((command: Bump, state: Counter | null, context: { now: Date; agent?: string }) => bump(command.id, state, context));
    await runner.run(commandWith(), persistence, { load: async () => ({ state: null, context: { agent: 'the agent' } }), decide });
    expect(decide).toHaveBeenCalledWith(expect.objectContaining({ id: ID }), null, { agent: 'the agent', now: expect.any(Date) });
  });

  it('saves in two steps without a transaction when nothing raced it', async () => {
    const { runner, write, transaction } = runnerWith(APPENDED);
    const steps = stepsLoading(3);
    await runner.run(commandWith(), persistence, steps);
    expect(steps.load).toHaveBeenCalledOnce();
    expect(steps.load.mock.calls[0][1]).toBeUndefined();
    expect(write.mock.calls[0][4]).toBeUndefined();
    expect(transaction).not.toHaveBeenCalled();
  });

  it('decides again on the locked state, in a transaction, when a concurrent change made the save miss', async () => {
    const { runner, write, notify, transaction, tx } = runnerWith(null, APPENDED);
    const steps = stepsLoading(3, 4);
    const result = await runner.run(commandWith(), persistence, steps);
    expect(transaction).toHaveBeenCalledOnce();
    expect(steps.load.mock.calls.map((call) => call[1])).toEqual([undefined, tx]);
    expect(steps.decide.mock.calls.map(([, state]) => state?.revision)).toEqual([3, 4]);
    expect(write.mock.calls.map((call) => call[4])).toEqual([undefined, tx]);
    expect(result.revision).toBe(5);
    expect(notify).toHaveBeenCalledOnce();
  });

  it('runs a command that asks for it on the locked path only', async () => {
    const { runner, write, transaction, tx } = runnerWith(APPENDED);
    const steps = { ...stepsLoading(3), alwaysLocked: true };
    await runner.run(commandWith(), persistence, steps);
    expect(transaction).toHaveBeenCalledOnce();
    expect(steps.load.mock.calls.map((call) => call[1])).toEqual([tx]);
    expect(write.mock.calls.map((call) => call[4])).toEqual([tx]);
  });

  it('answers concurrent_modification when even the locked save misses', async () => {
    const { runner, write, notify } = runnerWith(null, null);
    const error = await runner.run(commandWith(), persistence, stepsLoading(3)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'DomainError', code: 'concurrent_modification', kind: 'conflict' });
    expect(write).toHaveBeenCalledTimes(2);
    expect(notify).not.toHaveBeenCalled();
  });

  it('refuses with 412 (revision_mismatch) before deciding when If-Match names another revision', async () => {
    const { runner, write } = runnerWith(APPENDED);
    const steps = stepsLoading(3);
    const error = await runner.run(commandWith({ expectedRevision: 2 }), persistence, steps).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'revision_mismatch', kind: 'precondition_failed', message: 'Expected revision 2, but the current revision is 3.' });
    expect(steps.decide).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
  });

  it('refuses with 412 when the locked state has moved past If-Match after a missed save', async () => {
    const { runner, write } = runnerWith(null, APPENDED);
    const steps = stepsLoading(3, 4);
    const error = await runner.run(commandWith({ expectedRevision: 3 }), persistence, steps).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'revision_mismatch', kind: 'precondition_failed', message: 'Expected revision 3, but the current revision is 4.' });
    expect(write).toHaveBeenCalledOnce();
  });

  it("answers the decider's refusal, not 412, when a missed save under If-Match was not about the revision", async () => {
    const { runner, write } = runnerWith(null, APPENDED);
    const refusal = new DomainError('agent_has_open_tasks', 'conflict', 'open tasks');
    let calls = 0;
    const steps = {
      load: async () => ({ state: { id: ID, revision: 3 } }),
      decide: (command: Bump, state: Counter | null, context: { now: Date }) => {
        if (++calls === 2) throw refusal;
        return bump(command.id, state, context);
      },
    };
    await expect(runner.run(commandWith({ expectedRevision: 3 }), persistence, steps)).rejects.toBe(refusal);
    expect(write).toHaveBeenCalledOnce();
  });

  it('applies a command whose If-Match names the loaded revision', async () => {
    const { runner } = runnerWith(APPENDED);
    await expect(runner.run(commandWith({ expectedRevision: 3 }), persistence, stepsLoading(3))).resolves.toMatchObject({ revision: 4 });
  });

  it('lets a refusal of the decider through without saving', async () => {
    const { runner, write } = runnerWith(APPENDED);
    const refusal = new DomainError('agent_invalid_transition', 'conflict', 'no');
    const steps = { load: async () => ({ state: { id: ID, revision: 1 } }), decide: () => { throw refusal; } };
    await expect(runner.run(commandWith(), persistence, steps)).rejects.toBe(refusal);
    expect(write).not.toHaveBeenCalled();
  });

  it("turns a unique violation into the aggregate's domain error", async () => {
    const violation = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'agents_pkey' });
    const { runner } = runnerWith(violation);
    await expect(runner.run(commandWith(), persistence, stepsLoading(null))).rejects.toMatchObject({ code: 'agent_already_exists' });
  });

  it('lets any other write failure through as it is', async () => {
    const outage = new Error('connection refused');
    const { runner } = runnerWith(outage);
    await expect(runner.run(commandWith(), persistence, stepsLoading(null))).rejects.toBe(outage);
  });

  it('hands the writer the command and its result, without the position it does not know yet', async () => {
    const { runner, write } = runnerWith(APPENDED);
    const command = commandWith();
    await runner.run(command, persistence, stepsLoading(null));
    expect(write).toHaveBeenCalledWith(
      { ctes: 'insert', params: [] },
      [expect.objectContaining({ type: 'Bumped', revision: 1 })],
      command,
      { id: ID, revision: 1, created: true, aggregateType: 'agent' },
      undefined,
    );
  });
});

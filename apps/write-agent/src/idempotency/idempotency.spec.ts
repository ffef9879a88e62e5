import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '@app/domain';
import { problem, ProblemException } from '@app/platform';
import type { CommandResult } from '../commands/command-result.js';
import type { IdempotencyClaim } from './idempotency-claim.js';
import { Idempotency } from './idempotency.js';
import type { IdempotencyKeys, StoredKey } from './idempotency-keys.js';
import type { LogHead } from '../persistence/log-head.js';
import { IdempotencyRaceError } from './idempotency-race.error.js';
import { refuseReusedKey } from './reused-key.js';

const CLAIM: IdempotencyClaim = { subject: 'operator-7', key: 'k-1', fingerprint: 'f-1' };
const RESULT: CommandResult = { id: 'a-1', revision: 1, position: '1.1', created: true, aggregateType: 'agent' };
const FIRST: CommandResult = { ...RESULT, position: '0.9' };
const REFUSED = problem(409, 'The agent is paused.', 'agent_invalid_transition');

/** An Idempotency over a fake store whose find() answers `found` in turn. */
function idempotencyWith(found: Array<StoredKey | null>, { refusalStored = true } = {}) {
  const keys = {
    find: vi.fn(async () => found.shift() ?? null),
    storeRefusal: vi.fn(async () => refusalStored),
  };
  const logHead = { after: vi.fn(async () => SETTLED) };
  return { idempotency: new Idempotency(keys as unknown as IdempotencyKeys, logHead as unknown as LogHead), keys, logHead };
}

const SETTLED = { txId: '3', position: '7' };
const success = (fingerprint = CLAIM.fingerprint, headPending = false): StoredKey => ({
  fingerprint,
  answer: { kind: 'success', result: FIRST, headPending },
});
const refusal = (): StoredKey => ({ fingerprint: CLAIM.fingerprint, answer: { kind: 'refusal', problem: REFUSED } });
const failing = (error: Error) => () => Promise.reject(error);

describe('Idempotency', () => {
  it('runs a command without a key and stores nothing', async () => {
    const { idempotency, keys } = idempotencyWith([]);
    await expect(idempotency.execute('RegisterAgent', undefined, async () => RESULT)).resolves.toEqual({ result: RESULT, replayed: false });
    expect(keys.find).not.toHaveBeenCalled();
  });

  it('runs a command whose key is new (its statement stores the answer)', async () => {
    const { idempotency, keys } = idempotencyWith([null]);
    await expect(idempotency.execute('RegisterAgent', CLAIM, async () => RESULT)).resolves.toEqual({ result: RESULT, replayed: false });
    expect(keys.storeRefusal).not.toHaveBeenCalled();
  });

  it('replays the first success of a key without running the command again', async () => {
    const { idempotency } = idempotencyWith([success()]);
    const run = vi.fn(async () => RESULT);
    await expect(idempotency.execute('RegisterAgent', CLAIM, run)).resolves.toEqual({ result: FIRST, replayed: true });
    expect(run).not.toHaveBeenCalled();
  });

  it('replays a success whose head is still pending with the head it settles (the first request answers the same)', async () => {
    const { idempotency, logHead } = idempotencyWith([success(CLAIM.fingerprint, true)]);
    await expect(idempotency.execute('SubmitTask', CLAIM, failing(new Error('not run')))).resolves.toEqual({
      result: { ...FIRST, position: '3.7' },
      replayed: true,
    });
    expect(logHead.after).toHaveBeenCalledWith(CLAIM);
  });

  it('replays the first refusal of a key as the same problem, marked as replayed', async () => {
    const { idempotency } = idempotencyWith([refusal()]);
    const error = await idempotency.execute('PauseAgent', CLAIM, async () => RESULT).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toMatchObject({ problem: REFUSED, headers: { 'Idempotent-Replayed': 'true' } });
  });

  it('refuses with 422 a key used before with another method, path or body, as the command starts', async () => {
    const { idempotency } = idempotencyWith([success('another request')]);
    const run = vi.fn(async () => {
      refuseReusedKey(CLAIM);
      return RESULT;
    });
    const error = await idempotency.execute('RegisterAgent', CLAIM, run).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ problem: { status: 422, type: 'urn:problem:idempotency-key-reused' }, headers: {} });
    expect(run).toHaveBeenCalledOnce();
  });

  it('lets a 400 of the validation answer before the 422 of a reused key', async () => {
    const { idempotency, keys } = idempotencyWith([success('another request')]);
    const invalid = ProblemException.badRequest('The request has 1 invalid field(s).', [{ field: 'name', message: 'must be a string' }]);
    await expect(idempotency.execute('RegisterAgent', CLAIM, failing(invalid))).rejects.toBe(invalid);
    expect(keys.storeRefusal).not.toHaveBeenCalled();
  });

  it('refuses with 422 a request that lost the race for its key to another request', async () => {
    const { idempotency } = idempotencyWith([null, success('another request')]);
    const error = await idempotency.execute('RegisterAgent', CLAIM, failing(new IdempotencyRaceError())).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ problem: { status: 422, type: 'urn:problem:idempotency-key-reused' } });
  });

  it('stores a domain refusal under the key and lets it through', async () => {
    const { idempotency, keys } = idempotencyWith([null]);
    const refused = new DomainError('agent_invalid_transition', 'conflict', 'The agent is paused.');
    await expect(idempotency.execute('PauseAgent', CLAIM, failing(refused))).rejects.toBe(refused);
    expect(keys.storeRefusal).toHaveBeenCalledWith(CLAIM, REFUSED);
  });

  it('replays the answer of a concurrent request that stored its refusal first', async () => {
    const { idempotency } = idempotencyWith([null, success()], { refusalStored: false });
    const refused = new DomainError('agent_name_taken', 'conflict', 'taken');
    await expect(idempotency.execute('RegisterAgent', CLAIM, failing(refused))).resolves.toEqual({ result: FIRST, replayed: true });
  });

  it('replays the answer of a concurrent request whose statement took the key first', async () => {
    const { idempotency, keys } = idempotencyWith([null, success()]);
    await expect(idempotency.execute('SubmitTask', CLAIM, failing(new IdempotencyRaceError()))).resolves.toEqual({ result: FIRST, replayed: true });
    expect(keys.storeRefusal).not.toHaveBeenCalled();
  });

  it('stores nothing for a failure that is not a domain refusal', async () => {
    const { idempotency, keys } = idempotencyWith([null]);
    const outage = new Error('connection refused');
    await expect(idempotency.execute('SubmitTask', CLAIM, failing(outage))).rejects.toBe(outage);
    const invalid = ProblemException.badRequest('The request has 1 invalid field(s).');
    await expect(idempotency.execute('SubmitTask', CLAIM, failing(invalid))).rejects.toBe(invalid);
    expect(keys.storeRefusal).not.toHaveBeenCalled();
  });
});

import { describe, expect, it } from 'vitest';
import { asStoreUnavailable } from './store-unavailable.js';
import { toProblem } from './to-problem.js';
import { UnavailableError } from './unavailable.error.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('asStoreUnavailable: one mapping of "a store cannot answer now"', () => {
  it.each([
    ['refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['reset', withCode('read ECONNRESET', 'ECONNRESET')],
    ['admin shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['crash shutdown', withCode('terminating connection due to crash of another server process', '57P02')],
    ['starting up', withCode('the database system is starting up', '57P03')],
    ['connection failure', withCode('connection failure', '08006')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['statement timeout', withCode('canceling statement due to statement timeout', '57014')],
    ['lock timeout', withCode('canceling statement due to lock timeout', '55P03')],
    ['idle in transaction timeout', withCode('terminating connection due to idle-in-transaction timeout', '25P03')],
    ['a write on a standby (mid-failover)', withCode('cannot execute INSERT in a read-only transaction', '25006')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
    ['query timeout', new Error('Query read timeout')],
    ['ioredis closed', new Error('Connection is closed.')],
    ['ioredis command timeout', new Error('Command timed out')],
    ['ioredis offline', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['wrapped by TypeORM', Object.assign(new Error('query failed'), { driverError: withCode('x', '57P01') })],
    ['as a cause', new Error('outer', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') })],
  ])('%s: 503 with Retry-After, nothing internal', (_, error) => {
    const answer = toProblem(error);
    expect(answer.body).toMatchObject({ status: 503, type: 'urn:problem:store-unavailable' });
    expect(answer.body.detail).not.toMatch(/ECONN|127\.0\.0\.1|timeout exceeded/);
    expect(Number(answer.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(answer.unexpected).toBe(true); // logged, as an outage
  });

  it.each([
    ['invalid text (class 22)', withCode('invalid input syntax for type uuid', '22P02')],
    ['undefined column (class 42)', withCode('column "x" does not exist', '42703')],
    ['unique violation (class 23)', withCode('duplicate key value violates unique constraint', '23505')],
    ['a plain bug', new TypeError('x is undefined')],
  ])('%s stays a bug: 500', (_, error) => {
    expect(asStoreUnavailable(error)).toBeUndefined();
    expect(toProblem(error).body.status).toBe(500);
  });

  it('keeps an UnavailableError of our own as it is, not logged', () => {
    const own = new UnavailableError('No data store could answer; retry shortly.', 'stores-unavailable', 1);
    expect(asStoreUnavailable(own)).toBe(own);
    expect(toProblem(own).unexpected).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { delayBefore, retryAfterMs, RetryableError, withRetries } from './retry-policy.js';

const policy = { retryForMs: 200, firstDelayMs: 10, maxDelayMs: 40 };

describe('retry policy', () => {
  it('reads Retry-After as whole seconds only', () => {
    expect([retryAfterMs('2'), retryAfterMs(' 0 '), retryAfterMs('1.5'), retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT'), retryAfterMs(null)]).toEqual([2000, 0, undefined, undefined, undefined]);
  });

  it('never waits less than the server asked, nor longer than the cap otherwise', () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      expect(delayBefore(attempt, policy, 1000)).toBeGreaterThanOrEqual(1000);
      expect(delayBefore(attempt, policy)).toBeLessThanOrEqual(40);
    }
  });

  it('retries a RetryableError until it passes', async () => {
    let calls = 0;
    const value = await withRetries(async () => {
      if (++calls < 3) throw new RetryableError('not yet');
      return 'done';
    }, policy);
    expect([value, calls]).toEqual(['done', 3]);
  });

  it('gives up after retryForMs with a pause that keeps the server-asked delay', async () => {
    const error = await withRetries(async () => { throw new RetryableError('503', 1000); }, policy).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).pauseMs).toBe(1000);
  });

  it('lets any other error through at once', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls++; throw new Error('400'); }, policy)).rejects.toThrow('400');
    expect(calls).toBe(1);
  });
});

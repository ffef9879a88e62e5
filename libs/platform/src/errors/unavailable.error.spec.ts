import { describe, expect, it } from 'vitest';
import { toProblem } from './to-problem.js';
import { UnavailableError } from './unavailable.error.js';

describe('UnavailableError', () => {
  it('is answered as a 503 with its code and Retry-After, not logged as a failure of ours', () => {
    const answer = toProblem(new UnavailableError('No data store could answer; retry shortly.', 'stores-unavailable', 1));
    expect(answer).toStrictEqual({
      body: {
        type: 'urn:problem:stores-unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: 'No data store could answer; retry shortly.',
      },
      headers: { 'Retry-After': '1' },
      unexpected: false,
    });
  });
});

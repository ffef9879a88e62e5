import { describe, expect, it } from 'vitest';
import { assertExpectedRevision } from '@app/domain';

describe('assertExpectedRevision', () => {
  it('lets a command without an expected revision through', () => {
    expect(() => assertExpectedRevision(3, undefined)).not.toThrow();
  });

  it('lets a command through when the expected revision is the current one', () => {
    expect(() => assertExpectedRevision(3, 3)).not.toThrow();
  });

  it.each([2, 4, 0])('refuses a command that expects revision %i when the current one is 3', (expected) => {
    expect(() => assertExpectedRevision(3, expected)).toThrow(
      expect.objectContaining({
        name: 'DomainError',
        code: 'revision_mismatch',
        kind: 'precondition_failed',
        message: `Expected revision ${expected}, but the current revision is 3.`,
      }),
    );
  });
});

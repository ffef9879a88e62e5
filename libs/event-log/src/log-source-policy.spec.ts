import { describe, expect, it } from 'vitest';
import { LogSourcePolicy } from './log-source-policy.js';

describe('LogSourcePolicy', () => {
  it('starts on the replica', () => {
    expect(new LogSourcePolicy(500).next).toBe('replica');
  });

  it('stays on the replica through a backlog of full batches', () => {
    const policy = new LogSourcePolicy(500);
    expect(policy.record('replica', 500)).toBe(false);
    expect(policy.next).toBe('replica');
  });

  it('checks the tail on the primary after a short read of the replica, and only then is done', () => {
    const policy = new LogSourcePolicy(500);
    expect(policy.record('replica', 120)).toBe(false);
    expect(policy.next).toBe('primary');
    expect(policy.record('primary', 3)).toBe(true);
    expect(policy.next).toBe('primary');
  });

  it('goes back to the replica when the primary returns a full batch', () => {
    const policy = new LogSourcePolicy(500);
    policy.record('replica', 0);
    expect(policy.record('primary', 500)).toBe(false);
    expect(policy.next).toBe('replica');
  });
});

import { describe, expect, it } from 'vitest';
import { emptyStats } from '../read-model/views.js';
import { evolveStats } from './stats.projection.js';

describe('evolveStats', () => {
  it('counts a registered agent as active and in the total', () => {
    const stats = evolveStats(emptyStats(), { aggregate: 'agent', from: null, to: 'active' });
    expect(stats.agents).toStrictEqual({ active: 1, paused: 0, retired: 0, total: 1 });
  });

  it('moves an agent between statuses without changing the total', () => {
    let stats = evolveStats(emptyStats(), { aggregate: 'agent', from: null, to: 'active' });
    stats = evolveStats(stats, { aggregate: 'agent', from: 'active', to: 'paused' });
    stats = evolveStats(stats, { aggregate: 'agent', from: 'paused', to: 'retired' });
    expect(stats.agents).toStrictEqual({ active: 0, paused: 0, retired: 1, total: 1 });
  });

  it('follows tasks from submission to their end', () => {
    let stats = emptyStats();
    for (const to of ['completed', 'failed', 'cancelled'] as const) {
      stats = evolveStats(stats, { aggregate: 'task', from: null, to: 'pending' });
      stats = evolveStats(stats, { aggregate: 'task', from: 'pending', to: 'running' });
      stats = evolveStats(stats, { aggregate: 'task', from: 'running', to });
    }
    stats = evolveStats(stats, { aggregate: 'task', from: null, to: 'pending' });
    expect(stats.tasks).toStrictEqual({ pending: 1, running: 0, completed: 1, failed: 1, cancelled: 1, total: 4 });
  });

  it('leaves the agent counts alone for a task change, and the reverse', () => {
    const stats = evolveStats(emptyStats(), { aggregate: 'task', from: null, to: 'pending' });
    expect(stats.agents).toStrictEqual(emptyStats().agents);
  });

  it('does not change the counts when the status stays the same', () => {
    const stats = evolveStats(emptyStats(), { aggregate: 'agent', from: null, to: 'active' });
    expect(evolveStats(stats, { aggregate: 'agent', from: 'active', to: 'active' })).toStrictEqual(stats);
  });
});

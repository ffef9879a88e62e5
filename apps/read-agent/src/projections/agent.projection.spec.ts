import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '@app/domain';
import type { AgentView } from '../read-model/views.js';
import { countAgentTask, evolveAgentView } from './agent.projection.js';
import { minute } from './logged-event.fixtures.js';

const ID = '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10';
const event = (revision: number, type: AgentEvent['type'], data: object = {}) =>
  ({ type, aggregateType: 'agent', aggregateId: ID, revision, occurredAt: minute(revision), data }) as AgentEvent;
const fold = (...events: AgentEvent[]) => events.reduce<AgentView | null>(evolveAgentView, null)!;

const registered = event(1, 'AgentRegistered', { name: 'crawler', version: '1.0', config: { depth: 2 } });

const activeAgent: AgentView = {
  id: ID,
  name: 'crawler',
  version: '1.0',
  status: 'active',
  config: { depth: 2 },
  revision: 1,
  createdAt: minute(1),
  updatedAt: minute(1),
  tasks: { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, total: 0 },
};

describe('evolveAgentView', () => {
  it('creates an active agent with no tasks from its registration', () => {
    expect(fold(registered)).toStrictEqual(activeAgent);
  });

  it('replaces only the fields an update names, and moves updatedAt', () => {
    const view = fold(registered, event(2, 'AgentUpdated', { version: '2.0' }));
    expect(view).toStrictEqual({ ...activeAgent, version: '2.0', revision: 2, updatedAt: minute(2) });
  });

  it('replaces the config whole', () => {
    const view = fold(registered, event(2, 'AgentUpdated', { config: { retries: 1 } }));
    expect(view.config).toStrictEqual({ retries: 1 });
  });

  it('follows pause, resume and retire', () => {
    const paused = fold(registered, event(2, 'AgentPaused'));
    expect(paused).toMatchObject({ status: 'paused', revision: 2, updatedAt: minute(2) });
    const resumed = evolveAgentView(paused, event(3, 'AgentResumed'));
    expect(resumed.status).toBe('active');
    expect(evolveAgentView(resumed, event(4, 'AgentRetired')).status).toBe('retired');
  });

  it('ignores an event that is not newer than the view', () => {
    const view = fold(registered, event(2, 'AgentPaused'));
    expect(evolveAgentView(view, event(2, 'AgentPaused'))).toBe(view);
    expect(evolveAgentView(view, registered)).toBe(view);
    expect(evolveAgentView(view, event(1, 'AgentUpdated', { name: 'old' }))).toBe(view);
  });

  it('refuses a change to an agent it never saw registered', () => {
    expect(() => evolveAgentView(null, event(2, 'AgentPaused'))).toThrow(/never registered/);
  });
});

describe('countAgentTask', () => {
  it('counts a submitted task as pending and in the total', () => {
    const view = countAgentTask(activeAgent, { from: null, to: 'pending' });
    expect(view.tasks).toStrictEqual({ pending: 1, running: 0, completed: 0, failed: 0, cancelled: 0, total: 1 });
  });

  it('moves a task between statuses without changing the total, revision or updatedAt', () => {
    const submitted = countAgentTask(activeAgent, { from: null, to: 'pending' });
    const running = countAgentTask(submitted, { from: 'pending', to: 'running' });
    const done = countAgentTask(running, { from: 'running', to: 'completed' });
    expect(done.tasks).toStrictEqual({ pending: 0, running: 0, completed: 1, failed: 0, cancelled: 0, total: 1 });
    expect(done).toMatchObject({ revision: activeAgent.revision, updatedAt: activeAgent.updatedAt });
  });
});

import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '@app/domain';
import type { TaskView } from '../read-model/views.js';
import { minute } from './logged-event.fixtures.js';
import { evolveTaskView } from './task.projection.js';

const ID = '5d2c8f0e-1b7a-4c3e-8f6d-2a9b4e7c1d03';
const AGENT_ID = '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10';
const event = (revision: number, type: TaskEvent['type'], data: object = {}) =>
  ({ type, aggregateType: 'task', aggregateId: ID, revision, occurredAt: minute(revision), data: { agentId: AGENT_ID, ...data } }) as TaskEvent;
const fold = (...events: TaskEvent[]) => events.reduce<TaskView | null>(evolveTaskView, null)!;

const submitted = event(1, 'TaskSubmitted', { type: 'crawl.page', payload: { url: 'https://a.test' } });
const started = event(2, 'TaskStarted');

const pendingTask: TaskView = {
  id: ID,
  agentId: AGENT_ID,
  type: 'crawl.page',
  status: 'pending',
  payload: { url: 'https://a.test' },
  result: null,
  error: null,
  revision: 1,
  createdAt: minute(1),
  startedAt: null,
  completedAt: null,
};

describe('evolveTaskView', () => {
  it('creates a pending task from its submission', () => {
    expect(fold(submitted)).toStrictEqual(pendingTask);
  });

  it('sets startedAt when the task starts', () => {
    expect(fold(submitted, started)).toStrictEqual({ ...pendingTask, status: 'running', revision: 2, startedAt: minute(2) });
  });

  it('keeps the result of a completed task and sets completedAt', () => {
    const view = fold(submitted, started, event(3, 'TaskCompleted', { result: { pages: 3 } }));
    expect(view).toMatchObject({ status: 'completed', result: { pages: 3 }, error: null, completedAt: minute(3), revision: 3 });
  });

  it('keeps the error of a failed task', () => {
    const view = fold(submitted, started, event(3, 'TaskFailed', { error: 'timeout' }));
    expect(view).toMatchObject({ status: 'failed', result: null, error: 'timeout', completedAt: minute(3) });
  });

  it('cancels a pending task without a result or an error', () => {
    const view = fold(submitted, event(2, 'TaskCancelled', { reason: 'not needed' }));
    expect(view).toStrictEqual({ ...pendingTask, status: 'cancelled', revision: 2, completedAt: minute(2) });
  });

  it('ignores an event that is not newer than the view', () => {
    const view = fold(submitted, started);
    expect(evolveTaskView(view, started)).toBe(view);
    expect(evolveTaskView(view, submitted)).toBe(view);
  });

  it('refuses a change to a task it never saw submitted', () => {
    expect(() => evolveTaskView(null, started)).toThrow(/never submitted/);
  });

  it('refuses an event that names another agent than the task belongs to', () => {
    const other = { ...started, data: { agentId: '11111111-1111-4111-8111-111111111111' } } as TaskEvent;
    expect(() => evolveTaskView(fold(submitted), other)).toThrow(/belongs to/);
  });
});

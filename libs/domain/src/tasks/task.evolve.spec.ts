import { describe, expect, it } from 'vitest';
import { evolveTask, type TaskEvent, type TaskState } from '@app/domain';
import { deepFreeze, historyOf, minute } from '../testing/given.js';

const TASK_ID = '5d2c8f0e-1b7a-4c3e-8f6d-2a9b4e7c1d03';
const AGENT_ID = '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10';
const task = historyOf<TaskEvent>('task', TASK_ID);
const fold = (events: TaskEvent[]) => events.reduce<TaskState | null>(evolveTask, null);

const submitted = { type: 'TaskSubmitted', data: { agentId: AGENT_ID, type: 'crawl.page', payload: { url: 'https://a.test' } } } as const;
const started = { type: 'TaskStarted', data: { agentId: AGENT_ID } } as const;
const completed = { type: 'TaskCompleted', data: { agentId: AGENT_ID, result: { pages: 3 } } } as const;
const failed = { type: 'TaskFailed', data: { agentId: AGENT_ID, error: 'timeout' } } as const;
const cancelled = { type: 'TaskCancelled', data: { agentId: AGENT_ID, reason: 'no longer needed' } } as const;

const pendingTask: TaskState = {
  id: TASK_ID,
  agentId: AGENT_ID,
  type: 'crawl.page',
  status: 'pending',
  payload: { url: 'https://a.test' },
  result: null,
  error: null,
  revision: 1,
  createdAt: minute(0),
  updatedAt: minute(0),
  startedAt: null,
  completedAt: null,
  timeoutSeconds: null,
  deadlineAt: null,
};

describe('evolveTask', () => {
  it('creates a pending task from its submission', () => {
    expect(fold(task(submitted))).toStrictEqual(pendingTask);
  });

  it('sets startedAt when the task starts', () => {
    expect(fold(task(submitted, started))).toStrictEqual({
      ...pendingTask,
      status: 'running',
      revision: 2,
      updatedAt: minute(1),
      startedAt: minute(1),
    });
  });

  it('sets the deadline when a task with a timeout starts: startedAt + timeoutSeconds', () => {
    const withTimeout = { ...submitted, data: { ...submitted.data, timeoutSeconds: 90 } };
    expect(fold(task(withTimeout))).toStrictEqual({ ...pendingTask, timeoutSeconds: 90 });
    expect(fold(task(withTimeout, started))).toMatchObject({
      status: 'running',
      timeoutSeconds: 90,
      deadlineAt: new Date(Date.parse(minute(1)) + 90_000).toISOString(),
    });
  });

  it('gives a task without a timeout no deadline', () => {
    expect(fold(task(submitted, started))).toMatchObject({ timeoutSeconds: null, deadlineAt: null });
  });

  it.each([
    ['completed', completed, { result: { pages: 3 }, error: null }],
    ['failed', failed, { result: null, error: 'timeout' }],
    ['cancelled', cancelled, { result: null, error: null }],
  ] as const)('folds a whole history that ends %s into the final state', (status, last, outcome) => {
    expect(fold(task(submitted, started, last))).toStrictEqual({
      ...pendingTask,
      ...outcome,
      status,
      revision: 3,
      updatedAt: minute(2),
      startedAt: minute(1),
      completedAt: minute(2),
    });
  });

  it('leaves startedAt empty for a task cancelled before it started', () => {
    expect(fold(task(submitted, cancelled))).toMatchObject({ status: 'cancelled', startedAt: null, completedAt: minute(1) });
  });

  it.each([
    { from: [submitted], step: started },
    { from: [submitted], step: cancelled },
    { from: [submitted, started], step: completed },
    { from: [submitted, started], step: failed },
  ])('does not change the state it is given ($step.type)', ({ from, step }) => {
    const event = task(...from, step).at(-1)!;
    const state = deepFreeze(fold(task(...from)))!;
    const before = structuredClone(state);
    expect(evolveTask(state, event)).not.toBe(state);
    expect(state).toStrictEqual(before);
  });

  it('refuses to apply an event to a task that was never submitted', () => {
    const [, event] = task(submitted, started);
    expect(() => evolveTask(null, event)).toThrow(/never submitted/);
  });
});

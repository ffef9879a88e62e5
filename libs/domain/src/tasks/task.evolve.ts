import type { TaskEvent, TaskSubmitted } from './task-events.js';
import type { TaskState, TaskViewFields } from './task-state.js';

/** A task as its TaskSubmitted event creates it, in the fields views show. */
export function submittedTask(event: TaskSubmitted): TaskViewFields {
  return {
    id: event.aggregateId,
    agentId: event.data.agentId,
    type: event.data.type,
    status: 'pending',
    payload: event.data.payload,
    result: null,
    error: null,
    revision: event.revision,
    createdAt: event.occurredAt,
    startedAt: null,
    completedAt: null,
  };
}

export type TaskChange = Pick<TaskState, 'status'> & Partial<Pick<TaskState, 'startedAt' | 'result' | 'error' | 'completedAt'>>;

/** What a later event changes in a task: its status and the fields that go with it. */
export function taskChangeOf(event: Exclude<TaskEvent, TaskSubmitted>): TaskChange {
  switch (event.type) {
    case 'TaskStarted':
      return { status: 'running', startedAt: event.occurredAt };
    case 'TaskCompleted':
      return { status: 'completed', result: event.data.result, completedAt: event.occurredAt };
    case 'TaskFailed':
      return { status: 'failed', error: event.data.error, completedAt: event.occurredAt };
    case 'TaskCancelled':
      return { status: 'cancelled', completedAt: event.occurredAt };
  }
}

/** Folds one event into the task's state. Pure: the same inputs give the same state. */
export function evolveTask(state: TaskState | null, event: TaskEvent): TaskState {
  if (event.type === 'TaskSubmitted') {
    const timeoutSeconds = event.data.timeoutSeconds ?? null;
    return { ...submittedTask(event), updatedAt: event.occurredAt, timeoutSeconds, deadlineAt: null };
  }
  if (!state) throw new Error(`${event.type} cannot apply to a task that was never submitted`);
  const next = { ...state, ...taskChangeOf(event), revision: event.revision, updatedAt: event.occurredAt };
  return event.type === 'TaskStarted' ? { ...next, deadlineAt: deadlineOf(event.occurredAt, state.timeoutSeconds) } : next;
}

/** When a task started at `startedAt` with this timeout times out; null without one. */
export function deadlineOf(startedAt: string, timeoutSeconds: number | null): string | null {
  return timeoutSeconds === null ? null : new Date(Date.parse(startedAt) + timeoutSeconds * 1000).toISOString();
}

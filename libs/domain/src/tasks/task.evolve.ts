import type { TaskEvent } from './task-events.js';
import type { TaskState } from './task-state.js';

/** Folds one event into the task's state. Pure: the same inputs give the same state. */
export function evolveTask(state: TaskState | null, event: TaskEvent): TaskState {
  if (event.type === 'TaskSubmitted') {
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
      updatedAt: event.occurredAt,
      startedAt: null,
      completedAt: null,
    };
  }
  if (!state) throw new Error(`${event.type} cannot apply to a task that was never submitted`);
  const next = { ...state, revision: event.revision, updatedAt: event.occurredAt };
  switch (event.type) {
    case 'TaskStarted':
      return { ...next, status: 'running', startedAt: event.occurredAt };
    case 'TaskCompleted':
      return { ...next, status: 'completed', result: event.data.result, completedAt: event.occurredAt };
    case 'TaskFailed':
      return { ...next, status: 'failed', error: event.data.error, completedAt: event.occurredAt };
    case 'TaskCancelled':
      return { ...next, status: 'cancelled', completedAt: event.occurredAt };
  }
}

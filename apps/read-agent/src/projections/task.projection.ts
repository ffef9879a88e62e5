import type { TaskEvent } from '@app/domain';
import type { TaskView } from '../views/views.js';

/** Folds a task event into its view; an event not newer than the view changes nothing. */
export function evolveTaskView(view: TaskView | null, event: TaskEvent): TaskView {
  if (view && event.revision <= view.revision) return view;
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
      startedAt: null,
      completedAt: null,
    };
  }
  if (!view) throw new Error(`${event.type} for task ${event.aggregateId}, which was never submitted`);
  if (event.data.agentId !== view.agentId) {
    throw new Error(`${event.type} names agent ${event.data.agentId}, task ${view.id} belongs to ${view.agentId}`);
  }
  const next: TaskView = { ...view, revision: event.revision };
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

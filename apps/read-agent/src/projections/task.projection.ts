import { submittedTask, taskChangeOf, type TaskEvent } from '@app/domain';
import type { TaskView } from '../read-model/views.js';

/**
 * Folds a task event into its view, with the domain's own fold of each event; an event
 * not newer than the view changes nothing, and one that cannot belong to it is refused.
 */
export function evolveTaskView(view: TaskView | null, event: TaskEvent): TaskView {
  if (view && event.revision <= view.revision) return view;
  if (event.type === 'TaskSubmitted') return submittedTask(event);
  if (!view) throw new Error(`${event.type} for task ${event.aggregateId}, which was never submitted`);
  if (event.data.agentId !== view.agentId) {
    throw new Error(`${event.type} names agent ${event.data.agentId}, task ${view.id} belongs to ${view.agentId}`);
  }
  return { ...view, ...taskChangeOf(event), revision: event.revision };
}

import type { LoggedEvent } from '@app/event-log';
import { countAgentTask, evolveAgentView } from './agent.projection.js';
import { decodeEvent } from './decode-event.js';
import { evolveStats } from './stats.projection.js';
import { evolveTaskView } from './task.projection.js';
import type { WorkingSet } from './working-set.js';

export interface PoisonEvent {
  event: LoggedEvent;
  error: string;
}

/**
 * Applies one event to every view it concerns. Each new view is computed before any is
 * stored, so an event that throws leaves the working set as it was.
 */
function applyEvent(views: WorkingSet, logged: LoggedEvent): void {
  const decoded = decodeEvent(logged);
  if (decoded.aggregate === 'agent') {
    const { event } = decoded;
    const before = views.agent(event.aggregateId);
    const after = evolveAgentView(before, event);
    if (after === before) return;
    const stats = evolveStats(views.stats(), { aggregate: 'agent', from: before?.status ?? null, to: after.status });
    views.putAgent(after);
    views.putStats(stats);
    return;
  }
  const { event } = decoded;
  const before = views.task(event.aggregateId);
  const after = evolveTaskView(before, event);
  if (after === before) return;
  const change = { from: before?.status ?? null, to: after.status };
  const agent = views.agent(after.agentId);
  if (!agent) throw new Error(`${event.type} for task ${after.id} of agent ${after.agentId}, which was never registered`);
  const stats = evolveStats(views.stats(), { aggregate: 'task', ...change });
  views.putTask(after);
  views.putAgent(countAgentTask(agent, change));
  views.putStats(stats);
}

/** Applies a batch in order; an event that throws is returned as poison and skipped. */
export function applyBatch(views: WorkingSet, events: LoggedEvent[]): PoisonEvent[] {
  const poison: PoisonEvent[] = [];
  for (const event of events) {
    try {
      applyEvent(views, event);
    } catch (error) {
      poison.push({ event, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return poison;
}

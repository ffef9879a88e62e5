import type { LoggedEvent } from '@app/event-log';
import { emptyStats, type AgentView, type StatsView, type TaskView } from '../read-model/views.js';

/** The views a batch changed, to be written. */
export interface ViewChanges {
  agents: AgentView[];
  tasks: TaskView[];
  stats: StatsView | null;
}

/** The ids of the views a batch of events can touch, so they are loaded in one MGET. */
export function touchedBy(events: LoggedEvent[]): { agentIds: string[]; taskIds: string[] } {
  const agentIds = new Set<string>();
  const taskIds = new Set<string>();
  for (const event of events) {
    if (event.aggregateType === 'task') {
      taskIds.add(event.aggregateId);
      const agentId = (event.data as { agentId?: unknown } | null)?.agentId;
      if (typeof agentId === 'string') agentIds.add(agentId);
    } else {
      agentIds.add(event.aggregateId);
    }
  }
  return { agentIds: [...agentIds], taskIds: [...taskIds] };
}

/**
 * The views a batch works on, in memory: loaded before the batch, changed by its events,
 * and written back together with the checkpoint. Null means "loaded, no such view".
 */
export class WorkingSet {
  private readonly changedAgents = new Set<string>();
  private readonly changedTasks = new Set<string>();
  private statsChanged = false;

  constructor(
    private readonly agents: Map<string, AgentView | null>,
    private readonly tasks: Map<string, TaskView | null>,
    private currentStats: StatsView | null,
  ) {}

  agent(id: string): AgentView | null {
    return this.loaded(this.agents, id, 'agent');
  }

  task(id: string): TaskView | null {
    return this.loaded(this.tasks, id, 'task');
  }

  stats(): StatsView {
    return this.currentStats ?? emptyStats();
  }

  putAgent(view: AgentView): void {
    this.agents.set(view.id, view);
    this.changedAgents.add(view.id);
  }

  putTask(view: TaskView): void {
    this.tasks.set(view.id, view);
    this.changedTasks.add(view.id);
  }

  putStats(view: StatsView): void {
    this.currentStats = view;
    this.statsChanged = true;
  }

  changes(): ViewChanges {
    return {
      agents: [...this.changedAgents].map((id) => this.agents.get(id)!),
      tasks: [...this.changedTasks].map((id) => this.tasks.get(id)!),
      stats: this.statsChanged ? this.currentStats : null,
    };
  }

  private loaded<V>(views: Map<string, V | null>, id: string, kind: string): V | null {
    const view = views.get(id);
    if (view === undefined) throw new Error(`${kind} view ${id} was not loaded for this batch`);
    return view;
  }
}

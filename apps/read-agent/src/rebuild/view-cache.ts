import type { ViewChanges } from '../projections/working-set.js';
import type { AgentView, StatsView, TaskView } from '../read-model/views.js';

/**
 * The views of a generation being rebuilt, kept in memory: the rebuild is their only
 * writer, so it need not read back what it wrote, and a view that many batches change is
 * written once. While it has never been cleared it holds every view of the (new, empty)
 * generation, so what it lacks does not exist and needs no look in Redis either.
 * Bounded by `capacity` views: the owner writes the changes, then clears it.
 */
export class ViewCache {
  private readonly agents = new Map<string, AgentView | null>();
  private readonly tasks = new Map<string, TaskView | null>();
  private stats: StatsView | null | undefined;
  private readonly changedAgents = new Set<string>();
  private readonly changedTasks = new Set<string>();
  private statsChanged = false;
  private complete = true;

  constructor(private readonly capacity: number) {}

  /** Undefined when unknown (null: known not to exist). */
  agent(id: string): AgentView | null | undefined {
    return this.agents.get(id) ?? (this.complete ? null : undefined);
  }

  task(id: string): TaskView | null | undefined {
    return this.tasks.get(id) ?? (this.complete ? null : undefined);
  }

  statsView(): StatsView | null | undefined {
    return this.stats ?? (this.complete ? null : undefined);
  }

  remember(loaded: { agents: Map<string, AgentView | null>; tasks: Map<string, TaskView | null>; stats?: StatsView | null }): void {
    for (const [id, view] of loaded.agents) this.agents.set(id, view);
    for (const [id, view] of loaded.tasks) this.tasks.set(id, view);
    if (loaded.stats !== undefined) this.stats = loaded.stats;
  }

  change({ agents, tasks, stats }: ViewChanges): void {
    for (const view of agents) {
      this.agents.set(view.id, view);
      this.changedAgents.add(view.id);
    }
    for (const view of tasks) {
      this.tasks.set(view.id, view);
      this.changedTasks.add(view.id);
    }
    if (stats) {
      this.stats = stats;
      this.statsChanged = true;
    }
  }

  get changes(): number {
    return this.changedAgents.size + this.changedTasks.size;
  }

  get full(): boolean {
    return this.agents.size + this.tasks.size >= this.capacity;
  }

  /** The views changed since the last call, to be written. */
  takeChanges(): ViewChanges {
    const changes: ViewChanges = {
      agents: [...this.changedAgents].map((id) => this.agents.get(id)!),
      tasks: [...this.changedTasks].map((id) => this.tasks.get(id)!),
      stats: this.statsChanged ? this.stats! : null,
    };
    this.changedAgents.clear();
    this.changedTasks.clear();
    this.statsChanged = false;
    return changes;
  }

  clear(): void {
    if (this.changes > 0 || this.statsChanged) throw new Error('the cache still holds unwritten views');
    this.agents.clear();
    this.tasks.clear();
    this.stats = undefined;
    this.complete = false;
  }
}

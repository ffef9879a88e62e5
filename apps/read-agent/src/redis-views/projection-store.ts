import type { Redis } from 'ioredis';
import { formatPositionToken, parsePositionToken, type LogPosition } from '@app/domain';
import type { LoggedEvent } from '@app/event-log';
import type { AgentView, StatsView, TaskView } from '../read-model/views.js';
import type { PoisonEvent } from '../projections/apply-event.js';
import { stringOrNull } from './lua-script.js';
import { COMMIT, ENSURE_GENERATION, NEXT_GENERATION } from './projection-scripts.js';
import { GENERATION_COUNTER_KEY, GENERATION_KEY, generationPattern, LEASE_KEY, viewKeys } from './redis-layout.js';
import type { ViewCache } from '../rebuild/view-cache.js';
import { touchedBy, WorkingSet, type ViewChanges } from '../projections/working-set.js';

/** Keys per MSET, so that no single command holds Redis for long. */
const MSET_CHUNK = 1_000;

export interface BatchWrite {
  generation: string;
  views: WorkingSet;
  poison: PoisonEvent[];
  /** The last event of the batch; null when only swapping generations. */
  last: LoggedEvent | null;
}

export type CommitOutcome =
  | { status: 'committed'; previousGeneration: string | null }
  | { status: 'lease-lost' }
  | { status: 'generation-changed' }
  | { status: 'already-applied' }
  | { status: 'checkpoint-moved' };

const OUTCOMES = { 0: 'lease-lost', [-1]: 'generation-changed', [-2]: 'already-applied', [-3]: 'checkpoint-moved' } as const;

/** The projections' Redis side: generations, checkpoints, loading and writing views. */
export class ProjectionStore {
  constructor(private readonly redis: Redis) {}

  /** The generation readers use; on an empty Redis, generation "1" from position zero. */
  async ensureGeneration(): Promise<string> {
    return String(await ENSURE_GENERATION.run(this.redis, [GENERATION_KEY, GENERATION_COUNTER_KEY]));
  }

  async nextGeneration(): Promise<string> {
    return String(await NEXT_GENERATION.run(this.redis, [GENERATION_KEY, GENERATION_COUNTER_KEY]));
  }

  async checkpoint(generation: string): Promise<LogPosition | null> {
    const token = await this.redis.get(viewKeys(generation).checkpoint);
    return token ? (parsePositionToken(token) ?? null) : null;
  }

  /** The database history the generation was projected from; null for one older than the check. */
  history(generation: string): Promise<string | null> {
    return this.redis.get(viewKeys(generation).history);
  }

  /** Records the history of a generation that has none yet; false when it has one already. */
  async claimHistory(generation: string, history: string): Promise<boolean> {
    return (await this.redis.set(viewKeys(generation).history, history, 'NX')) === 'OK';
  }

  /** Deletes a generation nobody reads any more; UNLINK frees memory off Redis's main thread. */
  async dropGeneration(generation: string): Promise<number> {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', generationPattern(generation), 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  /** Loads every view the events can touch, in one MGET (of those `cache` does not know). */
  async load(generation: string, events: LoggedEvent[], cache?: ViewCache): Promise<WorkingSet> {
    const keys = viewKeys(generation);
    const { agentIds, taskIds } = touchedBy(events);
    const agents = new Map<string, AgentView | null>();
    const tasks = new Map<string, TaskView | null>();
    const missingAgents: string[] = [];
    const missingTasks: string[] = [];
    for (const id of agentIds) {
      const view = cache?.agent(id);
      if (view === undefined) missingAgents.push(id);
      else agents.set(id, view);
    }
    for (const id of taskIds) {
      const view = cache?.task(id);
      if (view === undefined) missingTasks.push(id);
      else tasks.set(id, view);
    }
    const stats = cache?.statsView();
    const missing = [...(stats === undefined ? [keys.stats] : []), ...missingAgents.map(keys.agent), ...missingTasks.map(keys.task)];
    if (missing.length === 0) return new WorkingSet(agents, tasks, stats ?? null);

    const replies = await this.redis.mget(...missing);
    const parse = <V>(reply: string | null | undefined) => (reply ? (JSON.parse(reply) as V) : null);
    let next = 0;
    const loadedStats = stats === undefined ? parse<StatsView>(replies[next++]) : undefined;
    const loaded = {
      agents: new Map(missingAgents.map((id) => [id, parse<AgentView>(replies[next++])])),
      tasks: new Map(missingTasks.map((id) => [id, parse<TaskView>(replies[next++])])),
      stats: loadedStats,
    };
    cache?.remember(loaded);
    for (const [id, view] of loaded.agents) agents.set(id, view);
    for (const [id, view] of loaded.tasks) tasks.set(id, view);
    return new WorkingSet(agents, tasks, loadedStats ?? stats ?? null);
  }

  /** Writes a batch fenced by the lease (see COMMIT). */
  async commit(
    batch: BatchWrite,
    fence: {
      owner: string;
      expectGeneration?: string;
      swapTo?: string;
      /** The checkpoint the batch was built on (null: none yet); undefined: any. */
      expectCheckpoint?: LogPosition | null;
    },
  ): Promise<CommitOutcome> {
    const keys = viewKeys(batch.generation);
    const views = this.entries(batch.generation, batch.views.changes());
    const poison = this.poisonFields(batch.poison);
    const [status, generation] = (await COMMIT.run(
      this.redis,
      [LEASE_KEY, GENERATION_KEY, keys.checkpoint, keys.checkpointTime, keys.poison, ...views.map(([key]) => key)],
      [
        fence.owner,
        fence.expectGeneration ?? '',
        fence.swapTo ?? '',
        batch.last ? formatPositionToken(batch.last) : '',
        batch.last ? Date.parse(batch.last.occurredAt) : '',
        fence.expectCheckpoint === undefined ? '*' : fence.expectCheckpoint === null ? '' : formatPositionToken(fence.expectCheckpoint),
        batch.poison.length,
        ...poison,
        ...views.map(([, value]) => value),
      ],
    )) as [number, unknown];
    if (status === 1) return { status: 'committed', previousGeneration: stringOrNull(generation) };
    return { status: OUTCOMES[status as keyof typeof OUTCOMES] };
  }

  /**
   * Writes views without the lease, for a rebuild filling a generation nobody reads yet;
   * queued on the connection at once, so the caller can go on with the next batch.
   */
  writeUnfenced(generation: string, views: ViewChanges, poison: PoisonEvent[], last: LoggedEvent | null): Promise<void> {
    const keys = viewKeys(generation);
    const pipeline = this.redis.pipeline();
    const entries = this.entries(generation, views);
    for (let i = 0; i < entries.length; i += MSET_CHUNK) pipeline.mset(...entries.slice(i, i + MSET_CHUNK).flat());
    if (poison.length > 0) pipeline.hset(keys.poison, ...this.poisonFields(poison));
    if (last) {
      pipeline.set(keys.checkpoint, formatPositionToken(last));
      pipeline.set(keys.checkpointTime, String(Date.parse(last.occurredAt)));
    }
    return pipeline.exec().then((results) => {
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    });
  }

  /** Key and JSON of each view. */
  private entries(generation: string, { agents, tasks, stats }: ViewChanges): Array<[string, string]> {
    const keys = viewKeys(generation);
    const entries: Array<[string, string]> = [
      ...agents.map((view): [string, string] => [keys.agent(view.id), JSON.stringify(view)]),
      ...tasks.map((view): [string, string] => [keys.task(view.id), JSON.stringify(view)]),
    ];
    if (stats) entries.push([keys.stats, JSON.stringify(stats)]);
    return entries;
  }

  private poisonFields(poison: PoisonEvent[]): string[] {
    return poison.flatMap(({ event, error }) => [
      event.position.toString(),
      JSON.stringify({ type: event.type, aggregateId: event.aggregateId, error }),
    ]);
  }
}

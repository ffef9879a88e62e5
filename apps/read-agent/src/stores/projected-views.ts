import { Injectable } from '@nestjs/common';
import { parsePositionToken, type LogPosition } from '@app/domain';
import { RedisConnection } from '@app/platform';
import type { AgentView, StatsView, TaskView } from '../read-model/views.js';
import { keySuffix, readUnderGeneration } from '../redis-views/generation-read.js';
import { REDIS_QUERY_STORE, StoreBreaker } from './store-breaker.js';

const CHECKPOINT = keySuffix((keys) => keys.checkpoint);
const STATS = keySuffix((keys) => keys.stats);
// Worked out once: the suffix of a view key is this plus the id.
const BEFORE_ID = { agent: keySuffix((keys) => keys.agent('')), task: keySuffix((keys) => keys.task('')) };

export interface ProjectedRead<T> {
  /** Null when no generation has been built yet or the view does not exist. */
  view: T | null;
  /** Null when nothing has been projected yet. */
  checkpoint: LogPosition | null;
}

/**
 * The Redis projections as a store: one round trip per read, the view and the checkpoint
 * of the current generation. Behind its own breaker, so a Redis outage costs one fast
 * failure and then nothing until the breaker tries again; a read rejects while Redis is
 * unset or unreachable, and the databases answer.
 */
@Injectable()
export class ProjectedViews {
  private readonly breaker: StoreBreaker | undefined;

  constructor(private readonly redis: RedisConnection) {
    this.breaker = redis.client ? new StoreBreaker('redis', undefined, REDIS_QUERY_STORE) : undefined;
  }

  /** Why Redis cannot serve at all, or undefined when it is configured. */
  get absence(): string | undefined {
    return this.redis.client ? undefined : 'neither REDIS_URL nor REDIS_SENTINELS is set';
  }

  /** Configured and its breaker lets calls through. */
  get usable(): boolean {
    return this.breaker !== undefined && !this.breaker.isOpen;
  }

  read(kind: 'agent', id: string): Promise<ProjectedRead<AgentView>>;
  read(kind: 'task', id: string): Promise<ProjectedRead<TaskView>>;
  read(kind: 'stats'): Promise<ProjectedRead<StatsView>>;
  read(kind: 'agent' | 'task' | 'stats', id?: string): Promise<ProjectedRead<unknown>> {
    const client = this.redis.client;
    if (!this.breaker || !client) return Promise.reject(new Error(`Redis projections unavailable: ${this.absence}`));
    const view = kind === 'stats' ? STATS : BEFORE_ID[kind] + id!;
    return this.breaker.call(async () => {
      const read = await readUnderGeneration(client, [view, CHECKPOINT]);
      if (!read) return { view: null, checkpoint: null };
      const [json, token] = read.values;
      return {
        view: json === null ? null : JSON.parse(json),
        checkpoint: token === null ? null : (parsePositionToken(token) ?? null),
      };
    });
  }
}

import { Injectable } from '@nestjs/common';
import { parsePositionToken } from '@app/domain';
import { RedisConnection } from '@app/platform';
import type { AgentView, StatsView, TaskView } from '../read-model/views.js';
import { ProjectionReader, type ProjectedRead } from './projection-reader.contract.js';
import { keySuffix, readUnderGeneration } from './generation-read.js';

const CHECKPOINT = keySuffix((keys) => keys.checkpoint);
const STATS = keySuffix((keys) => keys.stats);
// Worked out once: the suffix of a view key is this plus the id.
const BEFORE_ID = { agent: keySuffix((keys) => keys.agent('')), task: keySuffix((keys) => keys.task('')) };

/** One Redis round trip per read: the view and the checkpoint of the current generation. */
@Injectable()
export class RedisProjectionReader extends ProjectionReader {
  constructor(private readonly redis: RedisConnection) {
    super();
  }

  override read(kind: 'agent', id: string): Promise<ProjectedRead<AgentView>>;
  override read(kind: 'task', id: string): Promise<ProjectedRead<TaskView>>;
  override read(kind: 'stats'): Promise<ProjectedRead<StatsView>>;
  override async read(kind: 'agent' | 'task' | 'stats', id?: string): Promise<ProjectedRead<unknown>> {
    if (!this.redis.client) throw new Error('Redis is not configured');
    const view = kind === 'stats' ? STATS : BEFORE_ID[kind] + id!;
    const read = await readUnderGeneration(this.redis.client, [view, CHECKPOINT]);
    if (!read) return { view: null, checkpoint: null };
    const [json, token] = read.values;
    return {
      view: json === null ? null : JSON.parse(json),
      checkpoint: token === null ? null : (parsePositionToken(token) ?? null),
    };
  }
}

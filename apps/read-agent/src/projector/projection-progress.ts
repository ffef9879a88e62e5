import { Injectable } from '@nestjs/common';
import { parsePositionToken, type LogPosition } from '@app/domain';
import { RedisConnection } from '@app/platform';
import { EventLogReader, LOG_START } from '@app/event-log';
import { keySuffix, readUnderGeneration } from '../redis-views/generation-read.js';
import { bindProjectionGauges } from './projection-metrics.js';

const CHECKPOINT = keySuffix((keys) => keys.checkpoint);
const CHECKPOINT_TIME = keySuffix((keys) => keys.checkpointTime);
/** Health checks and metric scrapes arriving together share one look. */
const FRESH_MS = 500;

interface Progress {
  checkpoint: LogPosition | null;
  /** Epoch ms: when the last applied event was committed. */
  checkpointTime: number | null;
  behind: number;
  firstBehindAt: Date | null;
}

/**
 * How far the shared projection is behind the log, as any read agent sees it (not only
 * the lease holder): the checkpoint from Redis, the backlog from the event log. Rejects
 * while Redis or the database is unreachable.
 */
@Injectable()
export class ProjectionProgress {
  private latest: { at: number; progress: Promise<Progress> } | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly log: EventLogReader,
  ) {
    bindProjectionGauges(this);
  }

  /** Seconds between now and the commit of the last applied event; 0 when caught up. */
  async lagSeconds(): Promise<number> {
    const { behind, checkpointTime, firstBehindAt } = await this.progress();
    if (behind === 0) return 0;
    const since = checkpointTime ?? firstBehindAt?.getTime() ?? Date.now();
    return Math.max(0, (Date.now() - since) / 1000);
  }

  /** Events committed in the log and not yet applied. */
  async eventsBehind(): Promise<number> {
    return (await this.progress()).behind;
  }

  async lastPosition(): Promise<number | null> {
    const { checkpoint } = await this.progress();
    return checkpoint ? Number(checkpoint.position) : 0;
  }

  private progress(): Promise<Progress> {
    if (!this.latest || Date.now() - this.latest.at > FRESH_MS) {
      const latest = { at: Date.now(), progress: this.look() };
      latest.progress.catch(() => {
        if (this.latest === latest) this.latest = undefined;
      });
      this.latest = latest;
    }
    return this.latest.progress;
  }

  private async look(): Promise<Progress> {
    if (!this.redis.client) throw new Error('Redis is not configured');
    const read = await readUnderGeneration(this.redis.client, [CHECKPOINT, CHECKPOINT_TIME]);
    const [token, time] = read?.values ?? [null, null];
    const checkpoint = token === null ? null : (parsePositionToken(token) ?? null);
    const backlog = await this.log.backlog(checkpoint ?? LOG_START);
    return {
      checkpoint,
      checkpointTime: time === null ? null : Number(time),
      behind: backlog.events,
      firstBehindAt: backlog.firstOccurredAt,
    };
  }
}

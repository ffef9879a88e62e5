import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { positionCovers, type LogPosition } from '@app/domain';
import { readConfig, type ReadConfig } from '../config/read.config.js';
import { ProjectedViews, type ProjectedRead } from './projected-views.js';
import { countAnswer, type ReadSource, type Sourced } from './read-source.js';
import { SqlStores } from './sql-stores.js';
import { isQueryError, type SqlStore } from './sql-store.js';
import { StoresUnavailableError } from './stores-unavailable.error.js';
import { UnissuedPositionError } from './unissued-position.error.js';
import { PositionOfAnotherHistoryError } from './position-of-another-history.error.js';
import { DatabaseHistory } from '../event-log/database-history.js';

/** Polling intervals while waiting for X-Min-Position: soon at first, then every 20 ms. */
const POLL_MS = [2, 5, 10, 20];

/** A store that failed (as opposed to answering that it is not there yet). */
const FAILED = Symbol('failed');

/**
 * Where a query is read (docs/api.md section 4, docs/queries.md): Redis for single views,
 * then each replica in order, then the primary. With a position token, a store answers
 * only once it reflects the token; the agent waits up to READ_WAIT_MS for Redis or a
 * replica to get there, then asks the primary, which always does.
 */
@Injectable()
export class ReadRouter {
  constructor(
    private readonly projections: ProjectedViews,
    private readonly databases: SqlStores,
    private readonly history: DatabaseHistory,
    @Inject(readConfig.KEY) private readonly config: ReadConfig,
  ) {}

  /** A single view: Redis when it has it; otherwise computed by `compute` on a database. */
  view<T>(
    projected: (views: ProjectedViews) => Promise<ProjectedRead<T>>,
    compute: (db: SqlStore) => Promise<T | null>,
    minPosition: LogPosition | undefined,
  ): Promise<Sourced<T | null>> {
    return this.route(compute, minPosition, projected);
  }

  /** Lists and history: a replica, else the primary. */
  fromDatabases<T>(run: (db: SqlStore) => Promise<T>, minPosition: LogPosition | undefined): Promise<Sourced<T>> {
    return this.route(run, minPosition);
  }

  private async route<T, R extends T>(
    run: (db: SqlStore) => Promise<T>,
    minPosition: LogPosition | undefined,
    projected?: (views: ProjectedViews) => Promise<ProjectedRead<R>>,
  ): Promise<Sourced<T>> {
    if (minPosition?.history) await this.refuseOtherHistory(minPosition.history);
    const deadline = Date.now() + this.config.waitMs;
    // Stores that failed during this request are not asked again by it, nor waited for.
    const failed = new Set<SqlStore>();
    let useRedis = projected !== undefined;
    for (let attempt = 0; ; attempt++) {
      if (projected && useRedis && this.projections.usable) {
        const view = await this.fromRedis(projected, minPosition);
        if (view === FAILED) useRedis = false;
        else if (view !== undefined) return answered(view, 'redis');
      }
      for (const replica of this.databases.replicas) {
        if (replica.breaker.isOpen || failed.has(replica)) continue;
        const found = await this.fromReplica(replica, run, minPosition);
        if (found === FAILED) failed.add(replica);
        else if (found) return answered(found.value, 'replica');
      }
      if (minPosition && attempt === 0) await this.refuseUnissued(minPosition);
      const remaining = deadline - Date.now();
      const canCatchUp =
        (useRedis && this.projections.usable) ||
        this.databases.replicas.some((replica) => !replica.breaker.isOpen && !failed.has(replica));
      if (!minPosition || remaining <= 0 || !canCatchUp) break;
      await sleep(Math.min(POLL_MS[Math.min(attempt, POLL_MS.length - 1)], remaining));
    }
    try {
      return answered(await run(this.databases.primary), 'primary');
    } catch (error) {
      if (isQueryError(error)) throw error;
      throw new StoresUnavailableError(minPosition);
    }
  }

  /**
   * A token no store reflected yet is either a write committed a moment ago (the primary
   * has its event row: wait for the others as usual) or one no command ever answered
   * (refused at once, instead of polling every store for READ_WAIT_MS). One primary index
   * lookup decides, and only for tokens the first look did not find. When the primary
   * cannot say, the query waits as before.
   */
  private async refuseUnissued(minPosition: LogPosition): Promise<void> {
    let issued = true;
    try {
      // The row, not reflects(): an older transaction still open on the primary holds its
      // snapshot's xmin below a token that was issued all the same.
      issued = await this.databases.primary.hasEventOf(minPosition);
    } catch (error) {
      if (isQueryError(error)) throw error;
    }
    if (!issued) throw new UnissuedPositionError();
  }

  /**
   * A token of another history than the primary's (as last read, at most a second ago)
   * is refused. While the primary has never answered, the token is served as before.
   */
  private async refuseOtherHistory(history: string): Promise<void> {
    const current = await this.history.currentTag();
    if (current !== undefined && current !== history) throw new PositionOfAnotherHistoryError();
  }

  /** The view when Redis has it and, with a token, its checkpoint covers the token. */
  private async fromRedis<R>(
    projected: (views: ProjectedViews) => Promise<ProjectedRead<R>>,
    minPosition: LogPosition | undefined,
  ): Promise<R | undefined | typeof FAILED> {
    try {
      const { view, checkpoint } = await projected(this.projections);
      if (view === null) return undefined;
      if (minPosition && !(checkpoint && positionCovers(checkpoint, minPosition))) return undefined;
      return view;
    } catch {
      return FAILED; // counted by the Redis breaker; the databases answer
    }
  }

  private async fromReplica<T>(
    replica: SqlStore,
    run: (db: SqlStore) => Promise<T>,
    minPosition: LogPosition | undefined,
  ): Promise<{ value: T } | undefined | typeof FAILED> {
    try {
      if (minPosition && !(await replica.reflects(minPosition))) return undefined;
      return { value: await run(replica) };
    } catch (error) {
      if (isQueryError(error)) throw error;
      return FAILED; // counted by the replica's breaker; the next store answers
    }
  }
}

function answered<T>(value: T, source: ReadSource): Sourced<T> {
  countAnswer(source);
  return { value, source };
}

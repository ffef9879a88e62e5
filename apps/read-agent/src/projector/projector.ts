import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { LogPosition } from '@app/domain';
import { RedisConnection } from '@app/platform';
import { EventLogReader, LOG_START, LogSourcePolicy } from '@app/event-log';
import { applyBatch } from '../projections/apply-event.js';
import { ProjectorLease } from './projector-lease.js';
import { projectionConfig, type ProjectionConfig } from '../config/projection.config.js';
import { DatabaseHistory } from '../event-log/database-history.js';
import { historyRestarts, poisonEvents } from './projection-metrics.js';
import { ProjectionStore, type BatchWrite } from '../redis-views/projection-store.js';
import { ProjectorWakeup } from './projector-wakeup.js';

/** After a wake-up whose event could not be read yet, look again this soon, for this long. */
const UNSEEN_POLL_MS = 3;
const UNSEEN_WINDOW_MS = 2_000;
const MAX_BACKOFF_MS = 5_000;
/** How often a session asks whether the database's history changed under it. */
const HISTORY_CHECK_MS = 1_000;

interface Session {
  generation: string;
  /** The database history the generation is projected from (DatabaseHistory). */
  history: string;
  historyCheckedAt: number;
  checkpoint: LogPosition;
  /** The checkpoint Redis holds as far as this session knows (null: none yet); each commit expects it. */
  stored: LogPosition | null;
  highestRead: bigint;
  /** Where the next read goes: the replica for a backlog, the primary at the tail. */
  reads: LogSourcePolicy;
}

class SteppedDown extends Error {}

class HistoryChanged extends Error {
  constructor(from: string, to: string) {
    super(`the database's history changed from ${from} to ${to}`);
  }
}

/**
 * Keeps the Redis views up to date with the event log. Runs in every read agent; only
 * the holder of the lease projects, the others wait to take over.
 */
@Injectable()
export class Projector implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private lease: ProjectorLease | undefined;
  private store: ProjectionStore | undefined;
  private wakeup: ProjectorWakeup | undefined;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private session: Session | null = null;

  constructor(
    private readonly redis: RedisConnection,
    private readonly log: EventLogReader,
    private readonly databaseHistory: DatabaseHistory,
    @Inject(projectionConfig.KEY) private readonly config: ProjectionConfig,
  ) {}

  get isLeader(): boolean {
    return Boolean(this.lease?.owner);
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    const client = this.redis.client;
    if (!client) {
      this.logger.warn('neither REDIS_URL nor REDIS_SENTINELS is set: no projections are built');
      return;
    }
    this.lease = new ProjectorLease(client, this.config.leaseMs);
    this.store = new ProjectionStore(client);
    this.wakeup = new ProjectorWakeup(client);
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the batch in progress and releases the lease, so a peer takes over at once. */
  async stop(): Promise<void> {
    await this.halt();
    await this.lease?.release().catch(() => undefined);
  }

  /** Stops without releasing the lease, as a holder that dies does. */
  async abandon(): Promise<void> {
    await this.halt();
    this.lease?.abandon();
  }

  private async halt(): Promise<void> {
    this.running = false;
    this.wakeup?.wake();
    await this.loop;
    this.wakeup?.close();
  }

  private async run(): Promise<void> {
    const lease = this.lease!;
    let failures = 0;
    await this.connected();
    while (this.running) {
      try {
        if (!lease.owner) {
          const attempt = await lease.tryAcquire();
          if (!attempt.acquired) {
            await this.wakeup!.sleep(attempt.retryInMs, 'lease');
            continue;
          }
          this.logger.log(`holds the projector lease as ${attempt.owner}`);
          lease.keepAlive((reason) => this.stepDown(reason));
        }
        await this.catchUp();
        if (failures > 0) this.logger.log(`projection resumed after ${failures} failed attempts`);
        failures = 0;
        if (this.running && lease.owner) await this.wakeup!.sleep(this.idleMs(), 'events');
      } catch (error) {
        this.session = null;
        if (error instanceof SteppedDown) continue;
        failures += 1;
        const message = `projection paused, retrying: ${(error as Error).message}`;
        if (failures === 1) this.logger.warn(message);
        else this.logger.debug(message);
        await this.wakeup!.sleep(Math.min(100 * 2 ** failures, MAX_BACKOFF_MS));
      }
    }
  }

  /**
   * Applies batches until the log has nothing more to give; each commit overlaps the next
   * read. The tail is read from the primary, backlogs from the replica (docs/adr/0003).
   */
  private async catchUp(): Promise<void> {
    const session = (this.session ??= await this.openSession());
    const { batchSize } = this.config;
    let committing: Promise<void> | undefined;
    for (;;) {
      await this.checkHistory(session);
      const from = session.reads.next;
      const [events] = await Promise.all([this.log.readAfter(session.checkpoint, batchSize, from), committing]);
      if (!this.running) return;
      const readToEnd = session.reads.record(from, events.length);
      if (events.length > 0) {
        const views = await this.store!.load(session.generation, events);
        const poison = applyBatch(views, events);
        const last = events[events.length - 1];
        committing = this.commit({ generation: session.generation, views, poison, last }, session.stored);
        session.checkpoint = last;
        session.stored = last;
        for (const event of events) if (event.position > session.highestRead) session.highestRead = event.position;
      }
      if (readToEnd) return committing;
    }
  }

  /**
   * At start-up the Redis connection is still opening, and commands fail at once until it
   * is ready (no offline queue): wait for it quietly, up to the poll interval, rather than
   * fail and log a first attempt.
   */
  private async connected(): Promise<void> {
    const client = this.redis.client!;
    if (client.status === 'ready') return;
    await Promise.race([
      new Promise<void>((ready) => client.once('ready', () => ready())),
      this.wakeup!.sleep(this.config.pollMs),
    ]);
  }

  private async openSession(): Promise<Session> {
    const history = await this.databaseHistory.current();
    let generation = await this.store!.ensureGeneration();
    const recorded = await this.store!.history(generation);
    // A generation projected before histories were recorded is taken as this one's.
    if (recorded === null) await this.store!.claimHistory(generation, history);
    else if (recorded !== history) generation = await this.startOver(generation, recorded, history);
    const stored = await this.store!.checkpoint(generation);
    const checkpoint = stored ?? LOG_START;
    // A new session (start, takeover, after an error) may be far behind: a new policy reads the replica first.
    return {
      generation,
      history,
      historyCheckedAt: Date.now(),
      checkpoint,
      stored,
      highestRead: checkpoint.position,
      reads: new LogSourcePolicy(this.config.batchSize),
    };
  }

  /** Ends the session when the database's history changed under it: the next one starts over. */
  private async checkHistory(session: Session): Promise<void> {
    if (Date.now() - session.historyCheckedAt < HISTORY_CHECK_MS) return;
    const history = await this.databaseHistory.current();
    if (history !== session.history) throw new HistoryChanged(session.history, history);
    session.historyCheckedAt = Date.now();
  }

  /**
   * The views were projected from another history of the database (a failover whose new
   * primary may lack commits the old one had, or a restore): they may hold events this
   * database does not have, and its new events may take transaction ids at or below the
   * checkpoint. Readers are switched at once to a new, empty generation, which this
   * session projects from the start of the log; until it has caught up, a view it lacks
   * is read from the databases, as for any projection lag.
   */
  private async startOver(previous: string, recorded: string, history: string): Promise<string> {
    const owner = this.lease!.owner;
    if (!owner) throw new SteppedDown();
    const next = await this.store!.nextGeneration();
    await this.store!.claimHistory(next, history);
    const swap = await this.store!.commit({ generation: next, views: await this.store!.load(next, []), poison: [], last: null }, { owner, swapTo: next });
    if (swap.status !== 'committed') throw new Error(`the new generation was not swapped in (${swap.status})`);
    historyRestarts.inc();
    this.logger.warn(
      `the database's history changed (${recorded} -> ${history}: a failover or a restore); generation ${previous} may hold events ` +
        `this database does not have: readers moved to generation ${next}, projected again from the start of the log`,
    );
    void this.store!.dropGeneration(previous).catch((error: unknown) => this.logger.warn(`generation ${previous} not deleted: ${(error as Error).message}`));
    return next;
  }

  /**
   * Writes a batch built on `expectCheckpoint`. Refused when Redis holds another checkpoint
   * (a Sentinel failover to a replica that lacked the last batches, say): the session is
   * dropped and the next one resumes from the checkpoint Redis has, re-applying the events
   * after it.
   */
  private async commit(batch: BatchWrite, expectCheckpoint: LogPosition | null): Promise<void> {
    const owner = this.lease!.owner;
    if (!owner) throw new SteppedDown();
    const outcome = await this.store!.commit(batch, { owner, expectGeneration: batch.generation, expectCheckpoint });
    if (outcome.status === 'lease-lost') {
      this.lease!.abandon();
      this.stepDown('a batch was refused: the lease is no longer ours');
      throw new SteppedDown();
    }
    if (outcome.status !== 'committed') throw new Error(`batch not written (${outcome.status}), reloading`);
    for (const { event, error } of batch.poison) {
      poisonEvents.inc();
      this.logger.error(`skipped poison event at position ${event.position} (${event.type} ${event.aggregateId}): ${error}`);
    }
  }

  private stepDown(reason: string): void {
    this.session = null;
    this.logger.warn(`stepped down as projector: ${reason}`);
  }

  /**
   * A wake-up can come before its event is readable: on the primary while an older
   * transaction is still in flight (the gap-safe read holds the event back until it ends,
   * and one that rolls back or appends no event announces nothing), on the replica while
   * the primary cannot be read. While an announced event has not been read, look again
   * soon rather than at the next poll.
   */
  private idleMs(): number {
    const { position, at } = this.wakeup!.announced;
    const unseen = this.session !== null && position > this.session.highestRead;
    return unseen && Date.now() - at < UNSEEN_WINDOW_MS ? UNSEEN_POLL_MS : this.config.pollMs;
  }
}

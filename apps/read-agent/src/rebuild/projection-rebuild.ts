import type { Redis } from 'ioredis';
import type { LogPosition } from '@app/domain';
import { EventLogReader, LOG_START, LogSourcePolicy, type LoggedEvent, type LogSource } from '@app/event-log';
import { applyBatch, type PoisonEvent } from '../projections/apply-event.js';
import { ProjectorLease } from '../projector/projector-lease.js';
import { ProjectionStore } from '../redis-views/projection-store.js';
import { ViewCache } from './view-cache.js';

export interface RebuildOptions {
  leaseMs: number;
  /**
   * The database history the log is read from (DatabaseHistory), recorded with the
   * generation; without it the projector records the one it finds at its next session.
   */
  history?: string;
  /** Events per batch; default 5000. */
  batchSize?: number;
  /** Progress lines. */
  report?: (line: string) => void;
}

export interface RebuildResult {
  generation: string;
  previousGeneration: string | null;
  events: number;
  poison: number;
  seconds: number;
  eventsPerSecond: number;
  deletedKeys: number;
}

/** A crashed rebuild must not keep the projectors waiting for long. */
const HANDOVER_TTL_MS = 30_000;
const REPORT_EVERY_MS = 1_000;
/** Views held in memory during the fill, and how many changed ones are written together. */
const CACHED_VIEWS = 100_000;
const WRITE_EVERY_CHANGES = 20_000;

/**
 * Rebuilds every view from position zero into a new generation that no reader uses yet,
 * as fast as the log can be read (from the replica); then takes the projector lease,
 * catches up to the head and swaps the generation in, fenced, in the same step as its
 * last batch.
 */
export class ProjectionRebuild {
  private readonly store: ProjectionStore;
  private readonly batchSize: number;
  private readonly report: (line: string) => void;
  private readonly cache = new ViewCache(CACHED_VIEWS);
  private readonly unwritten: PoisonEvent[] = [];
  private events = 0;
  private poison = 0;
  private startedAt = 0;
  private reportedAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly log: EventLogReader,
    private readonly options: RebuildOptions,
  ) {
    this.store = new ProjectionStore(redis);
    this.batchSize = options.batchSize ?? 5_000;
    this.report = options.report ?? (() => undefined);
  }

  async run(): Promise<RebuildResult> {
    this.startedAt = Date.now();
    const generation = await this.store.nextGeneration();
    if (this.options.history) await this.store.claimHistory(generation, this.options.history);
    this.report(`rebuilding the projections into generation ${generation}`);
    const filled = await this.fill(generation, LOG_START);
    const lease = new ProjectorLease(this.redis, this.options.leaseMs);
    let previousGeneration: string | null;
    try {
      const checkpoint = await this.takeLease(lease, generation, filled);
      lease.keepAlive(() => undefined);
      previousGeneration = await this.swapIn(lease, generation, checkpoint);
    } finally {
      await lease.withdrawHandover();
      await lease.release();
    }
    const seconds = (Date.now() - this.startedAt) / 1000;
    const eventsPerSecond = Math.round(this.events / Math.max(seconds, 0.001));
    this.report(`generation ${generation} is live: ${this.events} events in ${seconds.toFixed(1)} s (${eventsPerSecond} events/s)`);
    const deletedKeys = previousGeneration && previousGeneration !== generation ? await this.drop(previousGeneration) : 0;
    return { generation, previousGeneration, events: this.events, poison: this.poison, seconds, eventsPerSecond, deletedKeys };
  }

  /**
   * Applies the log from `from` to its current end without the lease (nobody else writes
   * this generation), with the views in memory. The next batch is read while this one is
   * applied, and the changed views are written while the next ones are applied.
   */
  private async fill(generation: string, from: LogPosition): Promise<LogPosition> {
    let last: LoggedEvent | null = null;
    let writing: Promise<void> = Promise.resolve();
    let reading = this.read(from);
    for (;;) {
      const events = await reading;
      if (events.length === 0) break;
      last = events[events.length - 1];
      const full = events.length === this.batchSize;
      reading = full ? this.read(last) : Promise.resolve([]);
      const views = await this.store.load(generation, events, this.cache);
      const poison = applyBatch(views, events);
      this.cache.change(views.changes());
      this.unwritten.push(...poison);
      this.progress(events.length, poison.length);
      if (this.cache.changes >= WRITE_EVERY_CHANGES || this.cache.full) {
        await writing;
        writing = this.write(generation, last);
      }
      if (!full) break;
    }
    await writing;
    await this.write(generation, last);
    return last ?? from;
  }

  private write(generation: string, last: LoggedEvent | null): Promise<void> {
    const writing = this.store.writeUnfenced(generation, this.cache.takeChanges(), this.unwritten.splice(0), last);
    writing.catch(() => undefined); // awaited before the next write; failing there, not as unhandled
    // What was just taken is on its way; later loads queue behind it on the connection.
    if (this.cache.full) this.cache.clear();
    return writing;
  }

  /** Asks the holder to hand the lease over, catching up meanwhile. */
  private async takeLease(lease: ProjectorLease, generation: string, from: LogPosition): Promise<LogPosition> {
    this.report('waiting for the projector lease');
    let checkpoint = from;
    let askedAt = 0;
    for (;;) {
      if (Date.now() - askedAt > HANDOVER_TTL_MS / 3) {
        await lease.requestHandover(HANDOVER_TTL_MS);
        askedAt = Date.now();
      }
      if ((await lease.tryAcquire()).acquired) return checkpoint;
      checkpoint = await this.fill(generation, checkpoint);
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  /**
   * The last batches under the lease; the final one also makes the generation current.
   * Read as the projector reads, to the primary's end: the holder that handed over read
   * the tail there, so a generation swapped in at the replica's end could be behind the
   * views it replaces (docs/adr/0003).
   */
  private async swapIn(lease: ProjectorLease, generation: string, from: LogPosition): Promise<string | null> {
    let checkpoint = from;
    const reads = new LogSourcePolicy(this.batchSize);
    for (;;) {
      const source = reads.next;
      const events = await this.read(checkpoint, source);
      const final = reads.record(source, events.length);
      if (events.length === 0 && !final) continue;
      const last = events.length > 0 ? events[events.length - 1] : null;
      const views = await this.store.load(generation, events);
      const poison = applyBatch(views, events);
      const owner = lease.owner;
      if (!owner) throw new Error('lost the projector lease before the swap');
      const outcome = await this.store.commit(
        { generation, views, poison, last },
        { owner, swapTo: final ? generation : undefined },
      );
      if (outcome.status !== 'committed') throw new Error(`the swap was refused (${outcome.status})`);
      this.progress(events.length, poison.length);
      if (final) return outcome.previousGeneration;
      checkpoint = last!;
    }
  }

  private async drop(generation: string): Promise<number> {
    const deleted = await this.store.dropGeneration(generation);
    this.report(`deleted ${deleted} keys of generation ${generation}`);
    return deleted;
  }

  private read(after: LogPosition, from: LogSource = 'replica'): Promise<LoggedEvent[]> {
    const reading = this.log.readAfter(after, this.batchSize, from);
    reading.catch(() => undefined);
    return reading;
  }

  private progress(events: number, poison: number): void {
    this.events += events;
    this.poison += poison;
    if (Date.now() - this.reportedAt < REPORT_EVERY_MS) return;
    this.reportedAt = Date.now();
    const rate = Math.round(this.events / Math.max((Date.now() - this.startedAt) / 1000, 0.001));
    this.report(`${this.events} events applied (${rate} events/s)`);
  }
}

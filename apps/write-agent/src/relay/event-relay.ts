import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { formatPositionToken, type LogPosition } from '@app/domain';
import { EventLogReader, type LoggedEvent } from '@app/event-log';
import { databaseConfig, RedisConnection, type DatabaseConfig } from '@app/platform';
import { eventContexts } from './event-contexts.js';
import { relayConfig, type RelayConfig } from './relay.config.js';
import { RelayLease } from './relay-lease.js';
import { relayMessage } from './relay-message.js';
import { bindRelayGauges, relayPublished } from './relay-metrics.js';
import { RelayPrimary } from './relay-primary.js';
import { RelayProgress } from './relay-progress.js';
import { RelayPublisher } from './relay-publisher.js';
import { RelayWakeup } from './relay-wakeup.js';

/** After a failure (broker or primary), wait this long before trying the batch again. */
const RETRY_MS = 500;
/** After a wake-up whose commit the gap-safe read cannot see yet, look again this soon, this often. */
const UNSEEN_POLL_MS = 3;
const UNSEEN_LOOKS = 30;

export type RelayState = 'disabled' | 'standby' | 'publishing' | 'degraded';
type RelayFailure = 'broker' | 'primary';

/** Readiness wording, without the drivers' text (hosts, ports). */
const FAILURES: Record<RelayFailure, string> = {
  broker: 'the broker is unreachable or not confirming; events wait in the log',
  primary: 'the primary is unreachable; the relay resumes from its checkpoint',
};

/**
 * Publishes the event log to RabbitMQ, in log order, at least once (docs/adr/0007). Every
 * write agent runs one; only the holder of the lease in `relay_leases` publishes. It reads
 * the log gap-safely from its checkpoint, publishes a batch with confirms, and only then
 * moves the checkpoint, fenced by its lease's epoch. Nothing here is on a command's path:
 * commands only wake it up.
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventRelay');
  private readonly enabled: boolean;
  private db: RelayPrimary | undefined;
  private lease: RelayLease | undefined;
  private publisher: RelayPublisher | undefined;
  private wakeup: RelayWakeup | undefined;
  private progress: RelayProgress | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private checkpoint: LogPosition | undefined;
  /** Which store kept the last batch from being published, while one did. */
  private failure: RelayFailure | null = null;

  constructor(
    @Inject(relayConfig.KEY) private readonly config: RelayConfig,
    @Inject(databaseConfig.KEY) private readonly database: DatabaseConfig,
    private readonly redis: RedisConnection,
  ) {
    this.enabled = config.amqpUrl !== undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.config.amqpUrl) {
      this.logger.log('AMQP_URL is not set: no relay, the event log is not published to RabbitMQ');
      return;
    }
    this.db = new RelayPrimary(this.database);
    this.lease = new RelayLease(this.db, this.config.leaseMs);
    const log = new EventLogReader(this.db);
    this.progress = new RelayProgress(this.db, log);
    bindRelayGauges(() => this.progress!.backlog());
    this.publisher = new RelayPublisher(this.config.amqpUrl, `write-agent relay ${hostname()}:${process.pid}`);
    this.wakeup = new RelayWakeup(this.redis.client);
    this.running = this.run(log);
  }

  /** Events were committed: publish them now rather than at the next poll. */
  wake(): void {
    this.wakeup?.wake();
  }

  /** What readiness shows; the relay never makes the agent unready. */
  get status(): { state: RelayState; holder: boolean; broker: 'connected' | 'unreachable' | 'not configured'; message?: string } {
    if (!this.enabled) return { state: 'disabled', holder: false, broker: 'not configured' };
    const broker = this.publisher!.connected ? 'connected' : 'unreachable';
    const holder = this.lease!.held;
    const failure = this.failure ?? (broker === 'unreachable' ? 'broker' : null);
    if (failure) return { state: 'degraded', holder, broker, message: FAILURES[failure] };
    return { state: holder ? 'publishing' : 'standby', holder, broker };
  }

  backlog() {
    return this.progress?.backlog();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.enabled || this.stopping) return;
    this.stopping = true;
    this.wakeup!.close();
    await this.running;
    await this.lease!.release().catch(() => this.lease!.abandon());
    await this.publisher!.close();
    await this.db!.close();
  }

  private async run(log: EventLogReader): Promise<void> {
    let unseenLooks = 0;
    while (!this.stopping) {
      try {
        if (!this.lease!.held && !(await this.acquire())) {
          this.recovered('primary');
          await this.wakeup!.sleep(Math.max(50, Math.floor(this.config.leaseMs / 4)));
          continue;
        }
        const events = await log.readAfter(this.checkpoint!, this.config.batchSize, 'primary');
        this.recovered('primary');
        if (events.length === 0) {
          // Woken for a commit that the gap-safe cut still hides (an older transaction is
          // open): look again soon for a while, rather than at the next poll.
          if (unseenLooks > 0) {
            unseenLooks -= 1;
            await new Promise((done) => setTimeout(done, UNSEEN_POLL_MS));
          } else if (await this.wakeup!.sleep(this.config.pollMs)) {
            unseenLooks = UNSEEN_LOOKS;
          }
          continue;
        }
        unseenLooks = 0;
        await this.publish(events);
      } catch (error) {
        this.fail('primary', `the event log could not be read or the checkpoint written: ${(error as Error).message}`);
        await this.wakeup!.sleep(RETRY_MS);
      }
    }
  }

  private async acquire(): Promise<boolean> {
    const won = await this.lease!.tryAcquire();
    if (!won) return false;
    this.checkpoint = won.checkpoint;
    this.logger.log(`relay lease won (epoch ${won.epoch}): publishing after ${formatPositionToken(won.checkpoint)}`);
    this.lease!.keepAlive((reason) => this.logger.warn(`relay lease lost: ${reason}`));
    return true;
  }

  private async publish(events: LoggedEvent[]): Promise<void> {
    // A holder that froze past its lease must not publish what the next holder already did.
    if (!this.lease!.fresh && !(await this.lease!.renew())) return;
    const contexts = await eventContexts(this.db!, events);
    const messages = events.map((event) => relayMessage(event, contexts.get(event.position)!));
    const { confirmed, error } = await this.publisher!.publish(events, messages);
    if (confirmed > 0) {
      const last = events[confirmed - 1]!;
      if (!(await this.lease!.checkpoint(last))) return;
      this.checkpoint = last;
      relayPublished.inc(confirmed);
    }
    if (error) {
      this.fail('broker', `${events.length - confirmed} of ${events.length} events not confirmed by the broker: ${error.message}`);
      await this.wakeup!.sleep(RETRY_MS);
    } else {
      this.recovered('broker');
    }
  }

  private recovered(failure: RelayFailure): void {
    if (this.failure !== failure) return;
    this.logger.log(`relay: the ${failure} answers again`);
    this.failure = null;
  }

  private fail(failure: RelayFailure, detail: string): void {
    if (this.failure !== failure) this.logger.warn(`relay: ${detail}`);
    this.failure = failure;
  }
}

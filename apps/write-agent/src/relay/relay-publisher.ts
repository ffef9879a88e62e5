import { Logger } from '@nestjs/common';
import { Connection, type Channel } from 'rabbitmq-client';
import type { LoggedEvent } from '@app/event-log';
import type { RelayMessage } from './relay-message.js';
import { declareExchange, declareWorkQueue, deleteWorkQueue } from './relay-topology.js';

/** How long a publish waits for a (re)connection before the batch counts as failed and is retried. */
const ACQUIRE_TIMEOUT_MS = 5_000;
const CLOSE_TIMEOUT_MS = 2_000;
/**
 * The longest a batch's declarations and confirms may take. A broker can accept a
 * connection and then not answer (a quorum queue still recovering after a crash): the
 * batch then counts as not confirmed and goes out again on a new channel.
 */
const BATCH_TIMEOUT_MS = 10_000;

class BatchTimeout extends Error {
  constructor() {
    super(`no confirm within ${BATCH_TIMEOUT_MS} ms`);
  }
}

export interface PublishOutcome {
  /** The events confirmed by the broker, from the first of the batch on without a gap. */
  confirmed: number;
  /** Why the rest were not, when some were not. */
  error?: Error;
}

/**
 * The relay's side of RabbitMQ: one connection (rabbitmq-client reconnects by itself) and
 * one channel in confirm mode, declared anew with the exchange after every reconnection.
 * A batch goes out on one channel, message after message, and is then awaited as a whole:
 * one round of confirms per batch, not per event. When the channel dies mid-batch, every
 * message after the first unconfirmed one is sent again with the next batch, so a
 * consumer may see a message twice, never one out of order once duplicates are dropped.
 */
export class RelayPublisher {
  private readonly logger = new Logger('RelayPublisher');
  private readonly connection: Connection;
  private channel: Promise<Channel> | null = null;

  constructor(url: string, connectionName: string) {
    this.connection = new Connection({
      url,
      connectionName,
      acquireTimeout: ACQUIRE_TIMEOUT_MS,
      connectionTimeout: ACQUIRE_TIMEOUT_MS,
      retryLow: 200,
      retryHigh: 5_000,
      heartbeat: 10,
    });
    this.connection.on('error', (error: Error) => this.logger.warn(`broker connection: ${error.message}`));
    this.connection.on('connection', () => this.logger.log('connected to the broker'));
  }

  /** Whether the connection to the broker is up. */
  get connected(): boolean {
    return this.connection.ready;
  }

  /**
   * Publishes the batch in order with confirms: first the work queues of agents registered
   * in it (so a queue exists before any task of its agent is routed), then the messages;
   * after their confirms, the queues of agents retired in the confirmed part.
   */
  async publish(events: LoggedEvent[], messages: RelayMessage[]): Promise<PublishOutcome> {
    const deadline = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => reject(new BatchTimeout()), BATCH_TIMEOUT_MS);
      timer.unref();
    });
    deadline.catch(() => undefined);
    const bounded = <T>(step: Promise<T>) => Promise.race([step, deadline]);
    let channel: Channel;
    try {
      channel = await bounded(this.open());
      for (const event of events) {
        if (event.type === 'AgentRegistered') await bounded(declareWorkQueue(channel, event.aggregateId));
      }
    } catch (error) {
      this.discard();
      return { confirmed: 0, error: error as Error };
    }
    const results = await Promise.allSettled(messages.map((message) => bounded(channel.basicPublish(message.envelope, message.body))));
    const firstFailure = results.findIndex((result) => result.status === 'rejected');
    const confirmed = firstFailure === -1 ? results.length : firstFailure;
    if (firstFailure !== -1) this.discard();
    await this.retireQueues(events.slice(0, confirmed));
    const error = firstFailure === -1 ? undefined : ((results[firstFailure] as PromiseRejectedResult).reason as Error);
    return { confirmed, error };
  }

  /** Closes the channel and the connection; a broker that does not answer gets CLOSE_TIMEOUT_MS. */
  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = null;
    const closing = (async () => {
      await channel?.then((open) => open.close()).catch(() => undefined);
      await this.connection.close().catch(() => undefined);
    })();
    const timedOut = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((done) => setTimeout(() => done(true), CLOSE_TIMEOUT_MS).unref()),
    ]);
    if (timedOut) this.connection.unsafeDestroy();
  }

  /** A queue that stays behind (broker gone meanwhile) holds only ended tasks; the next retirement tries no more. */
  private async retireQueues(events: LoggedEvent[]): Promise<void> {
    const retired = events.filter((event) => event.type === 'AgentRetired');
    if (retired.length === 0) return;
    try {
      const channel = await this.open();
      for (const event of retired) await deleteWorkQueue(channel, event.aggregateId);
    } catch (error) {
      this.discard();
      this.logger.warn(`work queues of retired agents not deleted: ${(error as Error).message}`);
    }
  }

  private open(): Promise<Channel> {
    this.channel ??= (async () => {
      const channel = await this.connection.acquire();
      channel.on('error', (error: Error) => this.logger.warn(`broker channel: ${error.message}`));
      await channel.confirmSelect();
      await declareExchange(channel);
      return channel;
    })();
    const opening = this.channel;
    return opening.then(
      (channel) => {
        if (channel.active) return channel;
        if (this.channel === opening) this.channel = null;
        return this.open();
      },
      (error: unknown) => {
        if (this.channel === opening) this.channel = null;
        throw error;
      },
    );
  }

  private discard(): void {
    const channel = this.channel;
    this.channel = null;
    void channel?.then((open) => open.close()).catch(() => undefined);
  }
}

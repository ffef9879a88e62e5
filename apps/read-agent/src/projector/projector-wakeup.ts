import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { EVENTS_APPENDED_CHANNEL, watchForHungMaster } from '@app/platform';
import { LEASE_RELEASED_CHANNEL } from '../redis-views/redis-layout.js';

export type WakeReason = 'events' | 'lease';

const CHANNELS: Record<string, WakeReason> = {
  [EVENTS_APPENDED_CHANNEL]: 'events',
  [LEASE_RELEASED_CHANNEL]: 'lease',
};

/**
 * Sleeps that end early on a Redis message: new events for the holder, a released lease
 * for the others. Subscribing needs a connection of its own.
 */
export class ProjectorWakeup {
  private readonly logger = new Logger('ProjectorWakeup');
  private readonly subscriber: Redis;
  private readonly stopWatch: () => void;
  private readonly sleepers = new Set<{ reason: WakeReason | undefined; wake: () => void }>();
  /** Wake-ups that came while nobody slept: the next sleep for them returns at once. */
  private readonly pending = new Set<WakeReason>();
  /** The highest log position the write agents announced, and when. */
  announced = { position: 0n, at: 0 };

  constructor(redis: Redis) {
    this.subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.stopWatch = watchForHungMaster(this.subscriber);
    this.subscriber.on('error', (error: Error) => this.logger.debug(`subscriber: ${error.message}`));
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    this.subscriber.subscribe(...Object.keys(CHANNELS)).catch((error: Error) => {
      this.logger.warn(`wake-ups unavailable, polling only: ${error.message}`);
    });
  }

  /** Resolves after `ms`, or sooner on a message of this kind (or on close). */
  sleep(ms: number, reason?: WakeReason): Promise<void> {
    if (reason && this.pending.delete(reason)) return Promise.resolve();
    return new Promise((done) => {
      const sleeper = {
        reason,
        wake: () => {
          clearTimeout(timer);
          this.sleepers.delete(sleeper);
          done();
        },
      };
      const timer = setTimeout(sleeper.wake, ms);
      this.sleepers.add(sleeper);
    });
  }

  /** Ends the sleeps waiting for this kind of message, or every sleep. */
  wake(reason?: WakeReason): void {
    let woken = false;
    for (const sleeper of [...this.sleepers]) {
      if (reason && sleeper.reason !== reason) continue;
      sleeper.wake();
      woken = true;
    }
    if (reason && !woken) this.pending.add(reason);
  }

  private onMessage(channel: string, message: string): void {
    const reason = CHANNELS[channel];
    if (reason === 'events' && /^[0-9]{1,19}$/.test(message) && BigInt(message) > this.announced.position) {
      this.announced = { position: BigInt(message), at: Date.now() };
    }
    if (reason) this.wake(reason);
  }

  close(): void {
    this.wake();
    this.stopWatch();
    this.subscriber.disconnect();
  }
}

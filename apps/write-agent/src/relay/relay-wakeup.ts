import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { EVENTS_APPENDED_CHANNEL, watchForHungMaster } from '@app/platform';

/**
 * Sleeps of the relay that end early when events were committed: by this write agent
 * (told in-process after each commit) or by another one (its Redis wake-up). Without
 * Redis the poll covers the other agents' commits.
 */
export class RelayWakeup {
  private readonly logger = new Logger('RelayWakeup');
  private readonly subscriber: Redis | null;
  private readonly stopWatch: () => void;
  private wakeSleeper: (() => void) | null = null;
  /** A wake-up that came while the relay was busy: its next sleep returns at once. */
  private pending = false;

  constructor(redis: Redis | null) {
    this.subscriber = redis?.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null }) ?? null;
    this.stopWatch = this.subscriber ? watchForHungMaster(this.subscriber) : () => undefined;
    this.subscriber?.on('error', (error: Error) => this.logger.debug(`subscriber: ${error.message}`));
    this.subscriber?.on('message', () => this.wake());
    this.subscriber?.subscribe(EVENTS_APPENDED_CHANNEL).catch((error: Error) => {
      this.logger.warn(`wake-ups from other write agents unavailable, polling for them: ${error.message}`);
    });
  }

  /** Resolves after `ms`, or sooner when woken: true then. */
  sleep(ms: number): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve(true);
    }
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.wakeSleeper = null;
        done(false);
      }, ms);
      this.wakeSleeper = () => {
        clearTimeout(timer);
        done(true);
      };
    });
  }

  wake(): void {
    if (!this.endSleep()) this.pending = true;
  }

  close(): void {
    this.endSleep();
    this.stopWatch();
    this.subscriber?.disconnect();
  }

  private endSleep(): boolean {
    const wake = this.wakeSleeper;
    this.wakeSleeper = null;
    wake?.();
    return wake !== null;
  }
}

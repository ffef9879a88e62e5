import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { EVENTS_APPENDED_CHANNEL, RedisConnection } from '@app/platform';
import type { Appended } from '../persistence/appended.js';
import { EventRelay } from '../relay/event-relay.js';

const lastPosition = new Gauge({
  name: 'cqrs_event_log_position',
  help: 'The last event log position this write agent appended',
});

/**
 * After each commit: record the log position, wake this agent's relay, and wake the
 * projectors (and the other write agents' relays) through Redis. Fire and forget: the
 * command's answer never waits for it. One wake-up is in flight at a time, and it fails
 * after REDIS_COMMAND_TIMEOUT_MS when Redis does not answer, so a frozen Redis holds at
 * most one of them; commits meanwhile are covered by the next one, which carries the
 * highest position (projectors read everything up to the head anyway, and poll besides).
 */
@Injectable()
export class AppendedEvents {
  private readonly logger = new Logger('AppendedEvents');
  private highest = 0;
  private publishing = false;
  private pending = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly relay: EventRelay,
  ) {}

  notify(appended: Appended): void {
    // Commits finish out of order under concurrency; the gauge only moves forward.
    this.highest = Math.max(this.highest, Number(appended.position));
    lastPosition.set(this.highest);
    this.relay.wake();
    this.pending = true;
    if (!this.publishing) void this.publish();
  }

  private async publish(): Promise<void> {
    this.publishing = true;
    while (this.pending && this.redis.isReady) {
      this.pending = false;
      await this.redis.client!.publish(EVENTS_APPENDED_CHANNEL, String(this.highest)).catch((error: Error) => {
        this.logger.debug(`wake-up not published: ${error.message}`);
      });
    }
    this.publishing = false;
  }
}

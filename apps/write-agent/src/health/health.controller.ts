import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { answerHealthCheck } from '@app/platform';
import { PrimaryPool } from '../persistence/primary-pool.js';
import { EventRelay } from '../relay/event-relay.js';

const PROBE_TIMEOUT_MS = 1_500;

/** The promise's value, or undefined when it fails or takes longer than a probe may. */
function within<T>(promise: Promise<T> | undefined): Promise<T | undefined> {
  if (!promise) return Promise.resolve(undefined);
  return Promise.race([
    promise.catch(() => undefined),
    new Promise<undefined>((done) => setTimeout(() => done(undefined), PROBE_TIMEOUT_MS).unref()),
  ]);
}

@ApiExcludeController()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly pool: PrimaryPool,
    private readonly relay: EventRelay,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready while the primary answers; Redis and the broker are optional for taking commands. */
  @Get('ready')
  @HealthCheck()
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return answerHealthCheck(reply, this.health.check([() => this.primary(), () => this.relayDetail()]));
  }

  /** `relay`: its state (disabled, standby, publishing, degraded) and backlog; never down. */
  private async relayDetail() {
    const session = this.indicators.check('relay');
    const { state, message, ...status } = this.relay.status;
    const backlog = await within(this.relay.backlog());
    const detail = { state, ...status, ...backlog };
    return state === 'degraded' ? session.degraded({ ...detail, message: `degraded: ${message}` }) : session.up(detail);
  }

  /** `primary`: up, or down with a fixed message (the driver's text names hosts and ports). */
  private async primary() {
    const session = this.indicators.check('primary');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.pool.query('SELECT 1', []),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS))),
      ]);
      return session.up();
    } catch {
      return session.down({ message: 'primary unreachable or not answering' });
    } finally {
      clearTimeout(timer);
    }
  }
}

import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { answerHealthCheck } from '@app/platform';
import { PrimaryPool } from '../persistence/primary-pool.js';

const PROBE_TIMEOUT_MS = 1_500;

@ApiExcludeController()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly pool: PrimaryPool,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready while the primary answers; Redis is optional for taking commands. */
  @Get('ready')
  @HealthCheck()
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return answerHealthCheck(reply, this.health.check([() => this.primary()]));
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

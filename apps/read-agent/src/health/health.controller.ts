import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { answerHealthCheck } from '@app/platform';
import { StoresHealth } from './stores.health.js';

@ApiExcludeController()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly stores: StoresHealth,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready while a replica or the primary answers; Redis down or unset only degrades. */
  @Get('ready')
  @HealthCheck()
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return answerHealthCheck(
      reply,
      this.health.check([
        () => this.stores.databases(),
        () => this.stores.redisDetail(),
        () => this.stores.projectionsDetail(),
      ]),
    );
  }
}

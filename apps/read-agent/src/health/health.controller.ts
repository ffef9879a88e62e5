import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
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
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      return await this.health.check([
        () => this.stores.databases(),
        () => this.stores.redisDetail(),
        () => this.stores.projectionsDetail(),
      ]);
    } catch (error) {
      // Terminus reports "not ready" as a 503 exception carrying its JSON; answered as is,
      // since the problem+json filter would turn any 5xx exception into a 500.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(503);
      return error.getResponse();
    }
  }
}

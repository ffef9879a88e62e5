import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard.js';
import { Authenticator } from './auth/authenticator.js';
import { JwtVerifier } from './auth/jwt-verifier.js';
import { PLATFORM_CONFIGS } from './config/check-environment.js';
import { DirectRoutes } from './http/direct-routes.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { RequestGate } from './rate-limit/request-gate.js';
import { SubjectRateLimit } from './rate-limit/subject-rate-limit.js';
import { RedisConnection } from './redis/redis-connection.js';

/** What every agent has: validated config, Redis (optional), auth, rate limits, /metrics, direct routes. */
@Global()
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: PLATFORM_CONFIGS }),
    RateLimitModule,
  ],
  controllers: [MetricsController],
  providers: [
    RedisConnection,
    JwtVerifier,
    Authenticator,
    SubjectRateLimit,
    RequestGate,
    DirectRoutes,
    // Authentication and the rate limit in one guard (RequestGate): the request is counted
    // before a bad token is refused. Routes without @RequiredScope (health, metrics) are
    // neither authenticated nor limited.
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [RedisConnection, DirectRoutes],
})
export class PlatformModule {}

import { ThrottlerModule } from '@nestjs/throttler';
import { httpConfig, type HttpConfig } from '../config/http.config.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { RATE_LIMIT_NAME, RATE_LIMIT_WINDOW_MS } from './rate-limit-subject.js';
import { SharedWindowStorage } from './shared-window.storage.js';

/** RATE_LIMIT_PER_MINUTE per subject, shared through Redis when it is there; 0 turns it off. */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  inject: [httpConfig.KEY, RedisConnection],
  useFactory: (http: HttpConfig, redis: RedisConnection) => ({
    throttlers: [{ name: RATE_LIMIT_NAME, ttl: RATE_LIMIT_WINDOW_MS, limit: Math.max(http.rateLimitPerMinute, 1) }],
    skipIf: () => http.rateLimitPerMinute === 0,
    setHeaders: false,
    storage: new SharedWindowStorage(redis),
  }),
});

import { ThrottlerModule } from '@nestjs/throttler';
import { httpConfig, type HttpConfig } from '../config/http.config.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { SharedWindowStorage } from './shared-window.storage.js';

const ONE_MINUTE_MS = 60_000;

/** RATE_LIMIT_PER_MINUTE per subject, shared through Redis when it is there; 0 turns it off. */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  inject: [httpConfig.KEY, RedisConnection],
  useFactory: (http: HttpConfig, redis: RedisConnection) => ({
    throttlers: [{ name: 'default', ttl: ONE_MINUTE_MS, limit: Math.max(http.rateLimitPerMinute, 1) }],
    skipIf: () => http.rateLimitPerMinute === 0,
    setHeaders: false,
    storage: new SharedWindowStorage(redis),
  }),
});

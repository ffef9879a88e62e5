import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { validateEnvironment } from '@app/platform';

const toInt = (fallback: number) => ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? fallback : Number(value);

class ProjectionEnvironment {
  @Transform(toInt(3_000))
  @IsInt({ message: 'must be a whole number of milliseconds (300..60000)' })
  @Min(300, { message: 'must be a whole number of milliseconds (300..60000)' })
  @Max(60_000, { message: 'must be a whole number of milliseconds (300..60000)' })
  PROJECTION_LEASE_MS = 3_000;

  @Transform(toInt(500))
  @IsInt({ message: 'must be a whole number of milliseconds (10..60000)' })
  @Min(10, { message: 'must be a whole number of milliseconds (10..60000)' })
  @Max(60_000, { message: 'must be a whole number of milliseconds (10..60000)' })
  PROJECTION_POLL_MS = 500;

  @Transform(toInt(500))
  @IsInt({ message: 'must be a whole number of events (1..10000)' })
  @Min(1, { message: 'must be a whole number of events (1..10000)' })
  @Max(10_000, { message: 'must be a whole number of events (1..10000)' })
  PROJECTION_BATCH_SIZE = 500;
}

export interface ProjectionConfig {
  /** How long the projector lease lasts without renewal: the takeover time when a holder dies. */
  leaseMs: number;
  /** Safety-net poll interval; the Redis wake-up normally comes first. */
  pollMs: number;
  /** Events per projector batch (the rebuild has its own, larger batches). */
  batchSize: number;
}

export const projectionConfig = registerAs('projection', (): ProjectionConfig => {
  const env = validateEnvironment(ProjectionEnvironment);
  return { leaseMs: env.PROJECTION_LEASE_MS, pollMs: env.PROJECTION_POLL_MS, batchSize: env.PROJECTION_BATCH_SIZE };
});

import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { validateEnvironment } from '@app/platform';

const toInt = (fallback: number) => ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? fallback : Number(value);
const range = (low: number, high: number, unit: string) => `must be a whole number of ${unit} (${low}..${high})`;

class RelayEnvironment {
  @IsOptional()
  @Matches(/^amqps?:\/\/[^\s]+$/, { message: 'must be an amqp:// URL (or unset to run without the relay)' })
  AMQP_URL?: string;

  @Transform(toInt(3_000))
  @IsInt({ message: range(300, 60_000, 'milliseconds') })
  @Min(300, { message: range(300, 60_000, 'milliseconds') })
  @Max(60_000, { message: range(300, 60_000, 'milliseconds') })
  RELAY_LEASE_MS = 3_000;

  @Transform(toInt(250))
  @IsInt({ message: range(10, 60_000, 'milliseconds') })
  @Min(10, { message: range(10, 60_000, 'milliseconds') })
  @Max(60_000, { message: range(10, 60_000, 'milliseconds') })
  RELAY_POLL_MS = 250;

  @Transform(toInt(1_000))
  @IsInt({ message: range(1, 10_000, 'events') })
  @Min(1, { message: range(1, 10_000, 'events') })
  @Max(10_000, { message: range(1, 10_000, 'events') })
  RELAY_BATCH_SIZE = 1_000;
}

export interface RelayConfig {
  /** The broker; undefined when no relay runs. */
  amqpUrl: string | undefined;
  /** How long the relay lease lasts without renewal: the takeover time when its holder dies. */
  leaseMs: number;
  /** Safety-net poll of the log; a commit of this agent or a Redis wake-up normally comes first. */
  pollMs: number;
  /** Events read and published (with one wait for their confirms) per batch. */
  batchSize: number;
}

export const relayConfig = registerAs('relay', (): RelayConfig => {
  const env = validateEnvironment(RelayEnvironment);
  return { amqpUrl: env.AMQP_URL || undefined, leaseMs: env.RELAY_LEASE_MS, pollMs: env.RELAY_POLL_MS, batchSize: env.RELAY_BATCH_SIZE };
});

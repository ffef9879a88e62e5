import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { validateEnvironment } from '@app/platform';

const MESSAGE = 'must be a whole number of milliseconds from 0 to 60000';

class ReadEnvironment {
  @Transform(({ value }) => (value === undefined || value === '' ? 2000 : /^\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: MESSAGE })
  @Min(0, { message: MESSAGE })
  @Max(60_000, { message: MESSAGE })
  READ_WAIT_MS = 2000;
}

export interface ReadConfig {
  /** How long a query with X-Min-Position waits for Redis or a replica before trying the primary. */
  waitMs: number;
}

export const readConfig = registerAs('read', (): ReadConfig => {
  const env = validateEnvironment(ReadEnvironment);
  return { waitMs: env.READ_WAIT_MS };
});

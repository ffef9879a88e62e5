import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { validateEnvironment } from '@app/platform';

const MESSAGE = 'must be a whole number of milliseconds (50..600000)';

class TaskDeadlinesEnvironment {
  @Transform(({ value }) => (value === undefined || value === '' ? 1_000 : Number(value)))
  @IsInt({ message: MESSAGE })
  @Min(50, { message: MESSAGE })
  @Max(600_000, { message: MESSAGE })
  TASK_DEADLINE_SWEEP_MS = 1_000;
}

export interface TaskDeadlinesConfig {
  /** Pause between two sweeps for running tasks past their deadline. */
  sweepMs: number;
}

export const taskDeadlinesConfig = registerAs('taskDeadlines', (): TaskDeadlinesConfig => {
  const env = validateEnvironment(TaskDeadlinesEnvironment);
  return { sweepMs: env.TASK_DEADLINE_SWEEP_MS };
});

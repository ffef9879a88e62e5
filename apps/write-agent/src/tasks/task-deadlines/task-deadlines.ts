import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DomainError } from '@app/domain';
import { taskDeadlinesConfig, type TaskDeadlinesConfig } from '../../config/task-deadlines.config.js';
import { FailTaskCommand } from '../fail-task/fail-task.command.js';
import { OverdueTasks, type OverdueTask } from './overdue-tasks.js';

/** The token subject of the failures this sweeper causes, kept in their events' metadata. */
export const TASK_DEADLINES_SUBJECT = 'system:task-deadlines';
const BATCH = 100;

export const timedOutError = (timeoutSeconds: number) => `timed out after ${timeoutSeconds} s`;

/**
 * Fails running tasks past their deadline, through the normal FailTask command: the event
 * log, serialization per task and the revision guard hold as for any client. Every write
 * agent sweeps; the failure names the revision the task was found at (as If-Match would),
 * so of several agents finding one task exactly one fails it, and a worker's complete that
 * came first makes the sweeper's attempt a no-op (412/409) instead of a second outcome.
 */
@Injectable()
export class TaskDeadlines implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TaskDeadlines');
  private timer?: NodeJS.Timeout;
  private sweeping: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly overdue: OverdueTasks,
    @Inject(taskDeadlinesConfig.KEY) private readonly config: TaskDeadlinesConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep().finally(() => this.schedule());
    }, this.config.sweepMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    try {
      let found: OverdueTask[];
      do {
        found = await this.overdue.find(BATCH);
        for (const task of found) {
          if (this.stopped) return;
          await this.fail(task);
        }
      } while (found.length === BATCH && !this.stopped);
    } catch (error) {
      // The primary is down or slow: the next sweep tries again, nothing is lost.
      this.logger.warn(`sweep for tasks past their deadline failed: ${(error as Error).message}`);
    }
  }

  private async fail(task: OverdueTask): Promise<void> {
    const context = { requestId: `task-deadlines-${randomUUID()}`, subject: TASK_DEADLINES_SUBJECT, expectedRevision: task.revision };
    try {
      await this.commandBus.execute(new FailTaskCommand(task.id, timedOutError(task.timeoutSeconds), context));
      this.logger.log(`task ${task.id} failed: ${timedOutError(task.timeoutSeconds)}`);
    } catch (error) {
      // Another write agent, a worker or a cancellation changed the task first.
      if (error instanceof DomainError) return;
      throw error;
    }
  }
}

import { randomUUID } from 'node:crypto';
import { ConsumerStatus } from 'rabbitmq-client';
import { RetryableError, withRetries, type RetryPolicy } from './retry-policy.js';
import type { CommandAnswer, TaskCommands } from './task-commands.js';
import type { WorkerLogger, WorkerOptions, WorkerStats } from './worker-options.js';
import type { JsonObject, WorkerTask } from './worker-task.js';

const MAX_ERROR_LENGTH = 2000;

/** The error text FailTask takes: the thrown error's message, 1..2000 characters. */
export function failureText(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return (text || 'handler failed').slice(0, MAX_ERROR_LENGTH);
}

/**
 * Works one delivered task: claim it (StartTask, If-Match "1"), run the handler, report
 * the outcome (CompleteTask or FailTask). The answer is the consumer's: ACK once the write
 * agent answered the last command, REQUEUE when it could not be reached.
 */
export class TaskDelivery {
  constructor(
    private readonly commands: TaskCommands,
    private readonly handle: WorkerOptions['handle'],
    private readonly retry: RetryPolicy,
    private readonly stats: WorkerStats,
    private readonly logger: WorkerLogger,
  ) {}

  async work(task: WorkerTask): Promise<ConsumerStatus> {
    try {
      const claimed = await this.command(() => this.commands.start(task.id));
      if (claimed !== 'applied') return this.skip(task, claimed, 'start');
      this.stats.started++;
      const outcome = await this.run(task);
      // One key per outcome reported: a retry within this delivery is a replay.
      const attempt = randomUUID();
      const reported = await this.command(() =>
        'result' in outcome ? this.commands.complete(task.id, attempt, outcome.result) : this.commands.fail(task.id, attempt, outcome.error),
      );
      if (reported !== 'applied') return this.skip(task, reported, 'result' in outcome ? 'complete' : 'fail');
      if ('result' in outcome) this.stats.completed++;
      else this.stats.failed++;
      return ConsumerStatus.ACK;
    } catch (error) {
      // Paused before the requeue, so an unreachable write agent is not met by a hot redelivery loop.
      const pauseMs = error instanceof RetryableError ? error.pauseMs : this.retry.maxDelayMs;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      this.stats.requeued++;
      this.logger.warn('task requeued: the write agent did not answer', { taskId: task.id, error: (error as Error).message });
      return ConsumerStatus.REQUEUE;
    }
  }

  private async run(task: WorkerTask): Promise<{ result: JsonObject } | { error: string }> {
    try {
      return { result: (await this.handle(task)) ?? {} };
    } catch (error) {
      return { error: failureText(error) };
    }
  }

  private command(send: () => Promise<CommandAnswer>): Promise<CommandAnswer> {
    return withRetries(send, this.retry);
  }

  private skip(task: WorkerTask, answer: CommandAnswer, verb: string): ConsumerStatus {
    if (answer === 'lost') {
      this.stats.lost++;
      this.logger.info(`task skipped: its ${verb} was refused, the task had changed`, { taskId: task.id });
    } else {
      this.stats.dropped++;
      this.logger.warn(`task dropped: the write agent does not know it (${verb} answered 404)`, { taskId: task.id });
    }
    return ConsumerStatus.ACK;
  }
}

import type { JsonObject } from '../shared/domain-event.js';

export const TASK_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses that count as "open" for the agent: it cannot retire while it has any. */
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ['pending', 'running'];

export interface TaskState {
  readonly id: string;
  readonly agentId: string;
  readonly type: string;
  readonly status: TaskStatus;
  readonly payload: JsonObject;
  readonly result: JsonObject | null;
  readonly error: string | null;
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  /** From the submission; null: the task may run for ever. */
  readonly timeoutSeconds: number | null;
  /** startedAt + timeoutSeconds once the task started with a timeout; the write side only. */
  readonly deadlineAt: string | null;
}

/** The fields of a task that the read side's views show (TaskState without write-side fields). */
export type TaskViewFields = Omit<TaskState, 'updatedAt' | 'timeoutSeconds' | 'deadlineAt'>;

/** The longest timeout a task may ask for: one day. */
export const MAX_TASK_TIMEOUT_SECONDS = 86_400;

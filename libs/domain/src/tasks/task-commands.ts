import type { JsonObject } from '../shared/domain-event.js';

export type SubmitTask = {
  type: 'SubmitTask';
  id: string;
  agentId: string;
  taskType: string;
  payload: JsonObject;
  /** How long the task may run once started; null: no deadline. */
  timeoutSeconds: number | null;
};
export type StartTask = { type: 'StartTask'; id: string };
export type CompleteTask = { type: 'CompleteTask'; id: string; result: JsonObject | null };
export type FailTask = { type: 'FailTask'; id: string; error: string };
export type CancelTask = { type: 'CancelTask'; id: string; reason: string | null };

export type TaskCommand = SubmitTask | StartTask | CompleteTask | FailTask | CancelTask;

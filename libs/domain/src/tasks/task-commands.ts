import type { JsonObject } from '../shared/domain-event.js';

export type SubmitTask = { type: 'SubmitTask'; id: string; agentId: string; taskType: string; payload: JsonObject };
export type StartTask = { type: 'StartTask' };
export type CompleteTask = { type: 'CompleteTask'; result: JsonObject | null };
export type FailTask = { type: 'FailTask'; error: string };
export type CancelTask = { type: 'CancelTask'; reason: string | null };

export type TaskCommand = SubmitTask | StartTask | CompleteTask | FailTask | CancelTask;

import type { DomainEvent, JsonObject } from '../shared/domain-event.js';

/** `timeoutSeconds` is present only when the submission set a deadline. */
export type TaskSubmitted = DomainEvent<'TaskSubmitted', { agentId: string; type: string; payload: JsonObject; timeoutSeconds?: number }>;
export type TaskStarted = DomainEvent<'TaskStarted', { agentId: string }>;
export type TaskCompleted = DomainEvent<'TaskCompleted', { agentId: string; result: JsonObject | null }>;
export type TaskFailed = DomainEvent<'TaskFailed', { agentId: string; error: string }>;
export type TaskCancelled = DomainEvent<'TaskCancelled', { agentId: string; reason: string | null }>;

export type TaskEvent = TaskSubmitted | TaskStarted | TaskCompleted | TaskFailed | TaskCancelled;

import type { DomainEvent, JsonObject } from '../shared/domain-event.js';

export type AgentRegistered = DomainEvent<
  'AgentRegistered',
  { name: string; version: string; config: JsonObject }
>;
export type AgentUpdated = DomainEvent<
  'AgentUpdated',
  { name?: string; version?: string; config?: JsonObject }
>;
export type AgentPaused = DomainEvent<'AgentPaused', Record<string, never>>;
export type AgentResumed = DomainEvent<'AgentResumed', Record<string, never>>;
export type AgentRetired = DomainEvent<'AgentRetired', Record<string, never>>;

export type AgentEvent = AgentRegistered | AgentUpdated | AgentPaused | AgentResumed | AgentRetired;

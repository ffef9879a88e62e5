import type { JsonObject } from '../shared/domain-event.js';

export const AGENT_STATUSES = ['active', 'paused', 'retired'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface AgentState {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly config: JsonObject;
  readonly status: AgentStatus;
  readonly revision: number;
  /** Tasks of this agent that are pending or running: retiring needs zero. */
  readonly openTasks: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

import type { JsonObject } from '../shared/domain-event.js';

export type RegisterAgent = {
  type: 'RegisterAgent';
  id: string;
  name: string;
  version: string;
  config: JsonObject;
};
export type UpdateAgent = {
  type: 'UpdateAgent';
  name?: string;
  version?: string;
  config?: JsonObject;
};
export type PauseAgent = { type: 'PauseAgent' };
export type ResumeAgent = { type: 'ResumeAgent' };
export type RetireAgent = { type: 'RetireAgent' };

export type AgentCommand = RegisterAgent | UpdateAgent | PauseAgent | ResumeAgent | RetireAgent;

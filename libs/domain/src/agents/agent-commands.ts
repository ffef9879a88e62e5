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
  id: string;
  name?: string;
  version?: string;
  config?: JsonObject;
};
export type PauseAgent = { type: 'PauseAgent'; id: string };
export type ResumeAgent = { type: 'ResumeAgent'; id: string };
export type RetireAgent = { type: 'RetireAgent'; id: string };

export type AgentCommand = RegisterAgent | UpdateAgent | PauseAgent | ResumeAgent | RetireAgent;

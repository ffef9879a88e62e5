import { describe, expect, it } from 'vitest';
import { evolveAgent, type AgentEvent, type AgentState } from '@app/domain';
import { deepFreeze, historyOf, minute } from '../testing/given.js';

const AGENT_ID = '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10';
const agent = historyOf<AgentEvent>('agent', AGENT_ID);
const fold = (events: AgentEvent[]) => events.reduce<AgentState | null>(evolveAgent, null);

const [registered, updated, paused, resumed, retired] = agent(
  { type: 'AgentRegistered', data: { name: 'crawler', version: '1.0.0', config: { depth: 2, proxy: 'eu' } } },
  { type: 'AgentUpdated', data: { version: '1.1.0', config: { depth: 5 } } },
  { type: 'AgentPaused', data: {} },
  { type: 'AgentResumed', data: {} },
  { type: 'AgentRetired', data: {} },
);

describe('evolveAgent', () => {
  it('creates an active agent with no open tasks from its registration', () => {
    expect(evolveAgent(null, registered)).toStrictEqual({
      id: AGENT_ID,
      name: 'crawler',
      version: '1.0.0',
      config: { depth: 2, proxy: 'eu' },
      status: 'active',
      revision: 1,
      openTasks: 0,
      createdAt: minute(0),
      updatedAt: minute(0),
    });
  });

  it.each([
    ['AgentUpdated', [registered, updated]],
    ['AgentPaused', [registered, updated, paused]],
    ['AgentResumed', [registered, updated, paused, resumed]],
    ['AgentRetired', [registered, updated, paused, resumed, retired]],
  ])('takes the revision and updatedAt of %s and keeps createdAt', (_type, events) => {
    const last = events.at(-1)!;
    expect(fold(events)).toMatchObject({ revision: last.revision, updatedAt: last.occurredAt, createdAt: minute(0) });
  });

  it('replaces only the fields an update names, and the config whole', () => {
    expect(fold([registered, updated])).toMatchObject({ name: 'crawler', version: '1.1.0', config: { depth: 5 } });
    expect(fold([registered, updated])!.config).toStrictEqual({ depth: 5 });
  });

  it.each([
    ['paused', [registered, paused]],
    ['active', [registered, paused, resumed]],
    ['retired', [registered, retired]],
  ])('moves the agent to %s', (status, events) => {
    expect(fold(events)!.status).toBe(status);
  });

  it('folds a whole history into the final state', () => {
    expect(fold([registered, updated, paused, resumed, retired])).toStrictEqual({
      id: AGENT_ID,
      name: 'crawler',
      version: '1.1.0',
      config: { depth: 5 },
      status: 'retired',
      revision: 5,
      openTasks: 0,
      createdAt: minute(0),
      updatedAt: minute(4),
    });
  });

  it.each([updated, paused, resumed, retired])('does not change the state it is given ($type)', (event) => {
    const state = deepFreeze(fold([registered]))!;
    const before = structuredClone(state);
    const next = evolveAgent(state, event);
    expect(next).not.toBe(state);
    expect(state).toStrictEqual(before);
  });

  it('refuses to apply an event to an agent that was never registered', () => {
    expect(() => evolveAgent(null, paused)).toThrow(/never registered/);
  });
});

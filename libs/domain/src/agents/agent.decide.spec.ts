import { describe, expect, it } from 'vitest';
import {
  decideAgent,
  evolveAgent,
  type AgentCommand,
  type AgentEvent,
  type AgentState,
  type AgentStatus,
  type DomainErrorKind,
} from '@app/domain';
import { deciderSpec, historyOf } from '../testing/given.js';

const AGENT_ID = '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10';
const NOW = new Date('2024-02-01T12:00:00.000Z');

const given = deciderSpec(evolveAgent, (state, command: AgentCommand) => decideAgent(command, state, { now: NOW }));
const agent = historyOf<AgentEvent>('agent', AGENT_ID);
const registered = { type: 'AgentRegistered', data: { name: 'crawler', version: '1.0.0', config: { depth: 2 } } } as const;

type Status = 'absent' | AgentStatus;
const histories: Record<Status, AgentEvent[]> = {
  absent: [],
  active: agent(registered),
  paused: agent(registered, { type: 'AgentPaused', data: {} }),
  retired: agent(registered, { type: 'AgentRetired', data: {} }),
};

const commands = {
  RegisterAgent: { type: 'RegisterAgent', id: AGENT_ID, name: 'indexer', version: '2.0.0', config: {} },
  UpdateAgent: { type: 'UpdateAgent', id: AGENT_ID, version: '1.1.0' },
  PauseAgent: { type: 'PauseAgent', id: AGENT_ID },
  ResumeAgent: { type: 'ResumeAgent', id: AGENT_ID },
  RetireAgent: { type: 'RetireAgent', id: AGENT_ID },
} satisfies Record<AgentCommand['type'], AgentCommand>;
type CommandName = keyof typeof commands;

const emitted = (revision: number, event: Pick<AgentEvent, 'type' | 'data'>) =>
  ({ ...event, aggregateType: 'agent', aggregateId: AGENT_ID, revision, occurredAt: NOW.toISOString() }) as AgentEvent;

type Allowed = { command: CommandName; status: Status; emits: Pick<AgentEvent, 'type' | 'data'> };
const allowed: Allowed[] = [
  { command: 'RegisterAgent', status: 'absent', emits: { type: 'AgentRegistered', data: { name: 'indexer', version: '2.0.0', config: {} } } },
  { command: 'UpdateAgent', status: 'active', emits: { type: 'AgentUpdated', data: { version: '1.1.0' } } },
  { command: 'UpdateAgent', status: 'paused', emits: { type: 'AgentUpdated', data: { version: '1.1.0' } } },
  { command: 'PauseAgent', status: 'active', emits: { type: 'AgentPaused', data: {} } },
  { command: 'ResumeAgent', status: 'paused', emits: { type: 'AgentResumed', data: {} } },
  { command: 'RetireAgent', status: 'active', emits: { type: 'AgentRetired', data: {} } },
  { command: 'RetireAgent', status: 'paused', emits: { type: 'AgentRetired', data: {} } },
];

type Refused = { command: CommandName; status: Status; code: string; kind: DomainErrorKind; names: string };
const notFound = { code: 'agent_not_found', kind: 'not_found', names: AGENT_ID } as const;
const exists = { code: 'agent_already_exists', kind: 'conflict', names: AGENT_ID } as const;
const refusedFrom = (status: Status) => ({ code: 'agent_invalid_transition', kind: 'conflict', names: status }) as const;
const refused: Refused[] = [
  { command: 'UpdateAgent', status: 'absent', ...notFound },
  { command: 'PauseAgent', status: 'absent', ...notFound },
  { command: 'ResumeAgent', status: 'absent', ...notFound },
  { command: 'RetireAgent', status: 'absent', ...notFound },
  { command: 'RegisterAgent', status: 'active', ...exists },
  { command: 'ResumeAgent', status: 'active', ...refusedFrom('active') },
  { command: 'RegisterAgent', status: 'paused', ...exists },
  { command: 'PauseAgent', status: 'paused', ...refusedFrom('paused') },
  { command: 'RegisterAgent', status: 'retired', ...exists },
  { command: 'UpdateAgent', status: 'retired', ...refusedFrom('retired') },
  { command: 'PauseAgent', status: 'retired', ...refusedFrom('retired') },
  { command: 'ResumeAgent', status: 'retired', ...refusedFrom('retired') },
  { command: 'RetireAgent', status: 'retired', ...refusedFrom('retired') },
];

describe('decideAgent', () => {
  it('covers every command from every status exactly once', () => {
    const cells = [...allowed, ...refused].map(({ command, status }) => `${command} from ${status}`).sort();
    const matrix = Object.keys(commands).flatMap((command) => Object.keys(histories).map((status) => `${command} from ${status}`));
    expect(cells).toEqual(matrix.sort());
  });

  it.each(allowed)('accepts $command when the agent is $status', ({ command, status, emits }) => {
    const previous = histories[status].at(-1)?.revision ?? 0;
    given(histories[status]).when(commands[command]).then([emitted(previous + 1, emits)]);
  });

  it.each(refused)('refuses $command when the agent is $status ($code)', ({ command, status, code, kind, names }) => {
    const error = given(histories[status]).when(commands[command]).thenThrows(code, kind);
    expect(error.message).toContain(names);
  });

  it('puts only the fields it names in an update, and replaces the config whole', () => {
    given(histories.active)
      .when({ type: 'UpdateAgent', id: AGENT_ID, name: 'crawler-2', config: { depth: 5 } })
      .then([emitted(2, { type: 'AgentUpdated', data: { name: 'crawler-2', config: { depth: 5 } } })]);
  });

  it.each(['active', 'paused'] as const)('refuses to retire a %s agent that still has open tasks', (status) => {
    // No agent event counts tasks: the caller supplies openTasks, so the test does too.
    const state: AgentState = { ...histories[status].reduce<AgentState | null>(evolveAgent, null)!, openTasks: 2 };
    expect(() => decideAgent(commands.RetireAgent, state, { now: NOW })).toThrow(
      expect.objectContaining({ code: 'agent_has_open_tasks', kind: 'conflict', message: expect.stringContaining('2') }),
    );
  });
});

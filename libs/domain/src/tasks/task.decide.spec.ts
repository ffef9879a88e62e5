import { describe, expect, it } from 'vitest';
import {
  AGENT_STATUSES,
  agentAcceptsTasks,
  decideTask,
  evolveAgent,
  evolveTask,
  type AgentEvent,
  type AgentState,
  type DomainErrorKind,
  type TaskCommand,
  type TaskEvent,
  type TaskStatus,
} from '@app/domain';
import { deciderSpec, historyOf } from '../testing/given.js';

const TASK_ID = '5d2c8f0e-1b7a-4c3e-8f6d-2a9b4e7c1d03';
const AGENT_ID = '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10';
const NOW = new Date('2024-02-01T12:00:00.000Z');

const agentEvents = historyOf<AgentEvent>('agent', AGENT_ID);
const agentRegistered = { type: 'AgentRegistered', data: { name: 'crawler', version: '1.0.0', config: {} } } as const;
const agentFrom = (events: AgentEvent[]) => events.reduce<AgentState | null>(evolveAgent, null)!;
const activeAgent = agentFrom(agentEvents(agentRegistered));
const pausedAgent = agentFrom(agentEvents(agentRegistered, { type: 'AgentPaused', data: {} }));
const retiredAgent = agentFrom(agentEvents(agentRegistered, { type: 'AgentRetired', data: {} }));

/** The agent is what the handler would load for the task; an active one unless a spec says otherwise. */
const given = (events: TaskEvent[], { agent }: { agent?: AgentState | null } = { agent: activeAgent }) =>
  deciderSpec(evolveTask, (state, command: TaskCommand) =>
    decideTask(command, state, { now: NOW, agent }),
  )(events);

const task = historyOf<TaskEvent>('task', TASK_ID);
const submitted = { type: 'TaskSubmitted', data: { agentId: AGENT_ID, type: 'crawl.page', payload: { url: 'https://a.test' } } } as const;
const started = { type: 'TaskStarted', data: { agentId: AGENT_ID } } as const;

type Status = 'absent' | TaskStatus;
const histories: Record<Status, TaskEvent[]> = {
  absent: [],
  pending: task(submitted),
  running: task(submitted, started),
  completed: task(submitted, started, { type: 'TaskCompleted', data: { agentId: AGENT_ID, result: { pages: 3 } } }),
  failed: task(submitted, started, { type: 'TaskFailed', data: { agentId: AGENT_ID, error: 'timeout' } }),
  cancelled: task(submitted, { type: 'TaskCancelled', data: { agentId: AGENT_ID, reason: null } }),
};

const commands = {
  SubmitTask: { type: 'SubmitTask', id: TASK_ID, agentId: AGENT_ID, taskType: 'crawl.site', payload: { depth: 1 }, timeoutSeconds: null },
  StartTask: { type: 'StartTask', id: TASK_ID },
  CompleteTask: { type: 'CompleteTask', id: TASK_ID, result: { pages: 7 } },
  FailTask: { type: 'FailTask', id: TASK_ID, error: 'robots.txt forbids it' },
  CancelTask: { type: 'CancelTask', id: TASK_ID, reason: 'no longer needed' },
} satisfies Record<TaskCommand['type'], TaskCommand>;
type CommandName = keyof typeof commands;

const emitted = (revision: number, event: Pick<TaskEvent, 'type' | 'data'>) =>
  ({ ...event, aggregateType: 'task', aggregateId: TASK_ID, revision, occurredAt: NOW.toISOString() }) as TaskEvent;

type Allowed = { command: CommandName; status: Status; emits: Pick<TaskEvent, 'type' | 'data'> };
const allowed: Allowed[] = [
  { command: 'SubmitTask', status: 'absent', emits: { type: 'TaskSubmitted', data: { agentId: AGENT_ID, type: 'crawl.site', payload: { depth: 1 } } } },
  { command: 'StartTask', status: 'pending', emits: { type: 'TaskStarted', data: { agentId: AGENT_ID } } },
  { command: 'CancelTask', status: 'pending', emits: { type: 'TaskCancelled', data: { agentId: AGENT_ID, reason: 'no longer needed' } } },
  { command: 'CompleteTask', status: 'running', emits: { type: 'TaskCompleted', data: { agentId: AGENT_ID, result: { pages: 7 } } } },
  { command: 'FailTask', status: 'running', emits: { type: 'TaskFailed', data: { agentId: AGENT_ID, error: 'robots.txt forbids it' } } },
  { command: 'CancelTask', status: 'running', emits: { type: 'TaskCancelled', data: { agentId: AGENT_ID, reason: 'no longer needed' } } },
];

type Refused = { command: CommandName; status: Status; code: string; kind: DomainErrorKind; names: string };
const notFound = { code: 'task_not_found', kind: 'not_found', names: TASK_ID } as const;
const exists = { code: 'task_already_exists', kind: 'conflict', names: TASK_ID } as const;
const refusedFrom = (status: TaskStatus) => ({ code: 'task_invalid_transition', kind: 'conflict', names: status }) as const;
const refused: Refused[] = [
  { command: 'StartTask', status: 'absent', ...notFound },
  { command: 'CompleteTask', status: 'absent', ...notFound },
  { command: 'FailTask', status: 'absent', ...notFound },
  { command: 'CancelTask', status: 'absent', ...notFound },
  { command: 'SubmitTask', status: 'pending', ...exists },
  { command: 'CompleteTask', status: 'pending', ...refusedFrom('pending') },
  { command: 'FailTask', status: 'pending', ...refusedFrom('pending') },
  { command: 'SubmitTask', status: 'running', ...exists },
  { command: 'StartTask', status: 'running', ...refusedFrom('running') },
  ...(['completed', 'failed', 'cancelled'] as const).flatMap((status) => [
    { command: 'SubmitTask', status, ...exists } as const,
    { command: 'StartTask', status, ...refusedFrom(status) } as const,
    { command: 'CompleteTask', status, ...refusedFrom(status) } as const,
    { command: 'FailTask', status, ...refusedFrom(status) } as const,
    { command: 'CancelTask', status, ...refusedFrom(status) } as const,
  ]),
];

describe('decideTask', () => {
  it('covers every command from every status exactly once', () => {
    const cells = [...allowed, ...refused].map(({ command, status }) => `${command} from ${status}`).sort();
    const matrix = Object.keys(commands).flatMap((command) => Object.keys(histories).map((status) => `${command} from ${status}`));
    expect(cells).toEqual(matrix.sort());
  });

  it.each(allowed)('accepts $command when the task is $status', ({ command, status, emits }) => {
    const previous = histories[status].at(-1)?.revision ?? 0;
    given(histories[status]).when(commands[command]).then([emitted(previous + 1, emits)]);
  });

  it.each(refused)('refuses $command when the task is $status ($code)', ({ command, status, code, kind, names }) => {
    const error = given(histories[status]).when(commands[command]).thenThrows(code, kind);
    expect(error.message).toContain(names);
  });

  it.each([null, undefined])('refuses to submit a task to an agent that does not exist (agent: %s)', (agent) => {
    const error = given(histories.absent, { agent }).when(commands.SubmitTask).thenThrows('task_agent_not_found', 'unprocessable');
    expect(error.message).toContain(AGENT_ID);
  });

  it.each([
    ['paused', pausedAgent],
    ['retired', retiredAgent],
  ])('refuses to submit a task to a %s agent', (status, agent) => {
    const error = given(histories.absent, { agent }).when(commands.SubmitTask).thenThrows('task_agent_not_active', 'conflict');
    expect(error.message).toContain(status);
  });

  it('keeps moving the tasks of a paused agent', () => {
    given(histories.pending, { agent: pausedAgent })
      .when(commands.StartTask)
      .then([emitted(2, started)]);
  });

  it('keeps a null reason when a task is cancelled without one', () => {
    given(histories.pending)
      .when({ type: 'CancelTask', id: TASK_ID, reason: null })
      .then([emitted(2, { type: 'TaskCancelled', data: { agentId: AGENT_ID, reason: null } })]);
  });

  it('keeps a timeout in the submission event, and leaves it out of one without', () => {
    given(histories.absent)
      .when({ ...commands.SubmitTask, timeoutSeconds: 30 })
      .then([emitted(1, { type: 'TaskSubmitted', data: { agentId: AGENT_ID, type: 'crawl.site', payload: { depth: 1 }, timeoutSeconds: 30 } })]);
  });

  it('records a null result when a task is completed without one', () => {
    given(histories.running)
      .when({ type: 'CompleteTask', id: TASK_ID, result: null })
      .then([emitted(3, { type: 'TaskCompleted', data: { agentId: AGENT_ID, result: null } })]);
  });
});

describe('agentAcceptsTasks', () => {
  it('lets only an active agent take new tasks', () => {
    const accepts = Object.fromEntries(AGENT_STATUSES.map((status) => [status, agentAcceptsTasks({ status })]));
    expect(accepts).toEqual({ active: true, paused: false, retired: false });
  });
});

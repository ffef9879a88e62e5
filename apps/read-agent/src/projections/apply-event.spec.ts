import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '@app/event-log';
import type { AgentView, StatsView, TaskView } from '../read-model/views.js';
import { applyBatch } from './apply-event.js';
import { EventLogFixture } from './logged-event.fixtures.js';
import { touchedBy, WorkingSet } from './working-set.js';

const AGENT = '0b8a5e52-6f0e-4d4a-9a35-3f1f2c7d9e10';
const TASK_A = '5d2c8f0e-1b7a-4c3e-8f6d-2a9b4e7c1d03';
const TASK_B = '7e4b1c2d-3f5a-4b6c-9d8e-0f1a2b3c4d5e';
const UNKNOWN = '99999999-9999-4999-8999-999999999999';

/** A Redis stand-in: loads what a batch touches, like ProjectionStore.load, and keeps what it wrote. */
class Views {
  agents = new Map<string, AgentView>();
  tasks = new Map<string, TaskView>();
  stats: StatsView | null = null;

  apply(events: LoggedEvent[]) {
    const { agentIds, taskIds } = touchedBy(events);
    const set = new WorkingSet(
      new Map(agentIds.map((id) => [id, this.agents.get(id) ?? null])),
      new Map(taskIds.map((id) => [id, this.tasks.get(id) ?? null])),
      this.stats,
    );
    const poison = applyBatch(set, events);
    const changes = set.changes();
    for (const view of changes.agents) this.agents.set(view.id, view);
    for (const view of changes.tasks) this.tasks.set(view.id, view);
    if (changes.stats) this.stats = changes.stats;
    return { poison, changes };
  }

  snapshot() {
    return structuredClone({ agents: [...this.agents], tasks: [...this.tasks], stats: this.stats });
  }
}

function fleetLog() {
  const log = new EventLogFixture();
  log.agent(AGENT, 'AgentRegistered', { name: 'crawler', version: '1', config: {} });
  log.task(TASK_A, AGENT, 'TaskSubmitted', { type: 'crawl', payload: {} });
  log.task(TASK_B, AGENT, 'TaskSubmitted', { type: 'crawl', payload: {} });
  log.task(TASK_A, AGENT, 'TaskStarted');
  log.agent(AGENT, 'AgentPaused');
  log.task(TASK_A, AGENT, 'TaskCompleted', { result: { ok: true } });
  log.task(TASK_B, AGENT, 'TaskCancelled', { reason: null });
  return log;
}

describe('applyBatch', () => {
  it('keeps the agent counts and the stats in step with the tasks', () => {
    const views = new Views();
    expect(views.apply(fleetLog().events).poison).toEqual([]);
    const agent = views.agents.get(AGENT)!;
    expect(agent).toMatchObject({ status: 'paused', revision: 2, updatedAt: fleetLog().events[4].occurredAt });
    expect(agent.tasks).toStrictEqual({ pending: 0, running: 0, completed: 1, failed: 0, cancelled: 1, total: 2 });
    expect(views.stats).toStrictEqual({
      agents: { active: 0, paused: 1, retired: 0, total: 1 },
      tasks: { pending: 0, running: 0, completed: 1, failed: 0, cancelled: 1, total: 2 },
    });
    expect(views.tasks.get(TASK_B)).toMatchObject({ status: 'cancelled', revision: 2 });
  });

  it('gives the same views whether the log comes in one batch or event by event', () => {
    const whole = new Views();
    whole.apply(fleetLog().events);
    const oneByOne = new Views();
    for (const event of fleetLog().events) oneByOne.apply([event]);
    expect(oneByOne.snapshot()).toStrictEqual(whole.snapshot());
  });

  it('changes nothing when a batch is applied again', () => {
    const views = new Views();
    const events = fleetLog().events;
    views.apply(events);
    const before = views.snapshot();
    const again = views.apply(events);
    expect(again.changes).toStrictEqual({ agents: [], tasks: [], stats: null });
    expect(views.snapshot()).toStrictEqual(before);
  });

  it('skips a poison event with its reason and applies the events after it', () => {
    const log = new EventLogFixture();
    log.agent(AGENT, 'AgentRegistered', { name: 'crawler', version: '1', config: {} });
    const startedUnknown = log.task(UNKNOWN, AGENT, 'TaskStarted');
    const malformed = log.append('agent', AGENT, 'AgentUpdated', { name: 42 });
    const unknownType = log.append('agent', AGENT, 'AgentRenamed', {});
    const prototypeName = log.append('agent', AGENT, 'toString', {});
    log.task(TASK_A, AGENT, 'TaskSubmitted', { type: 'crawl', payload: {} });
    const views = new Views();
    const { poison } = views.apply(log.events);
    expect(poison.map(({ event, error }) => [event, error])).toEqual([
      [startedUnknown, expect.stringMatching(/never submitted/)],
      [malformed, expect.stringMatching(/data\.name/)],
      [unknownType, expect.stringMatching(/unknown event type/)],
      [prototypeName, expect.stringMatching(/unknown event type/)],
    ]);
    expect(views.tasks.get(TASK_A)?.status).toBe('pending');
    expect(views.agents.get(AGENT)?.tasks.pending).toBe(1);
  });

  it('leaves every view as it was when an event throws halfway', () => {
    const log = new EventLogFixture();
    log.task(TASK_A, UNKNOWN, 'TaskSubmitted', { type: 'crawl', payload: {} });
    const views = new Views();
    const { poison, changes } = views.apply(log.events);
    expect(poison).toHaveLength(1);
    expect(changes).toStrictEqual({ agents: [], tasks: [], stats: null });
  });

  it('refuses an event logged for the wrong kind of aggregate', () => {
    const log = new EventLogFixture();
    log.append('task', AGENT, 'AgentRegistered', { name: 'x', version: '1', config: {} });
    expect(new Views().apply(log.events).poison[0].error).toMatch(/agent event, logged for a task/);
  });
});

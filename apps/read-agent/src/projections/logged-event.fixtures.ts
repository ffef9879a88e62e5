import type { LoggedEvent } from '@app/event-log';

/** One event a minute from 2024-01-01T00:00Z. */
export const minute = (n: number) => new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString();

/**
 * A consistent event log for specs: each append gets the next position, its aggregate's
 * next revision and its own minute.
 */
export class EventLogFixture {
  readonly events: LoggedEvent[] = [];
  private readonly revisions = new Map<string, number>();

  agent(id: string, type: string, data: Record<string, unknown> = {}): LoggedEvent {
    return this.append('agent', id, type, data);
  }

  task(id: string, agentId: string, type: string, data: Record<string, unknown> = {}): LoggedEvent {
    return this.append('task', id, type, { agentId, ...data });
  }

  append(aggregateType: string, aggregateId: string, type: string, data: unknown): LoggedEvent {
    const revision = (this.revisions.get(aggregateId) ?? 0) + 1;
    this.revisions.set(aggregateId, revision);
    const position = BigInt(this.events.length + 1);
    const event = { txId: 100n + position, position, aggregateType, aggregateId, revision, type, data, occurredAt: minute(this.events.length) };
    this.events.push(event);
    return event;
  }
}

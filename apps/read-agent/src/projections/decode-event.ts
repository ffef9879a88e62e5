import type { AgentEvent, JsonObject, TaskEvent } from '@app/domain';
import type { LoggedEvent } from '@app/event-log';

type Data = Record<string, unknown>;
type Check = (data: Data, field: string) => boolean;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const string: Check = (data, field) => typeof data[field] === 'string';
const object: Check = (data, field) => isObject(data[field]);
const optional = (check: Check): Check => (data, field) => data[field] === undefined || check(data, field);
const nullable = (check: Check): Check => (data, field) => data[field] === null || check(data, field);

const SHAPE_FIELDS: Record<string, { aggregateType: 'agent' | 'task'; fields: Record<string, Check> }> = {
  AgentRegistered: { aggregateType: 'agent', fields: { name: string, version: string, config: object } },
  AgentUpdated: {
    aggregateType: 'agent',
    fields: { name: optional(string), version: optional(string), config: optional(object) },
  },
  AgentPaused: { aggregateType: 'agent', fields: {} },
  AgentResumed: { aggregateType: 'agent', fields: {} },
  AgentRetired: { aggregateType: 'agent', fields: {} },
  TaskSubmitted: { aggregateType: 'task', fields: { agentId: string, type: string, payload: object } },
  TaskStarted: { aggregateType: 'task', fields: { agentId: string } },
  TaskCompleted: { aggregateType: 'task', fields: { agentId: string, result: nullable(object) } },
  TaskFailed: { aggregateType: 'task', fields: { agentId: string, error: string } },
  TaskCancelled: { aggregateType: 'task', fields: { agentId: string, reason: optional(nullable(string)) } },
};

// A Map, so that a type named like an Object.prototype member is unknown, not a function.
const SHAPES = new Map(
  Object.entries(SHAPE_FIELDS).map(([type, shape]) => [type, { ...shape, fields: Object.entries(shape.fields) }]),
);

const CREATING = new Set(['AgentRegistered', 'TaskSubmitted']);

export type DecodedEvent = { aggregate: 'agent'; event: AgentEvent } | { aggregate: 'task'; event: TaskEvent };

/**
 * Checks a logged event against the domain's event types. The log is written by our own
 * write agent, but a projector must survive a row it cannot understand: it throws, and
 * the projector records the event as poison instead of stopping.
 */
export function decodeEvent(event: LoggedEvent): DecodedEvent {
  const shape = SHAPES.get(event.type);
  if (!shape) throw new Error(`unknown event type ${event.type}`);
  if (event.aggregateType !== shape.aggregateType) {
    throw new Error(`${event.type} is a ${shape.aggregateType} event, logged for a ${event.aggregateType}`);
  }
  if (!Number.isInteger(event.revision) || event.revision < 1) throw new Error(`invalid revision ${event.revision}`);
  if (CREATING.has(event.type) && event.revision !== 1) throw new Error(`${event.type} at revision ${event.revision}`);
  if (!isObject(event.data)) throw new Error(`${event.type} data is not an object`);
  for (const [field, check] of shape.fields) {
    if (!check(event.data, field)) throw new Error(`${event.type} data.${field} is missing or malformed`);
  }
  const decoded = {
    type: event.type,
    aggregateType: shape.aggregateType,
    aggregateId: event.aggregateId,
    revision: event.revision,
    occurredAt: event.occurredAt,
    data: event.data,
  };
  return shape.aggregateType === 'agent'
    ? { aggregate: 'agent', event: decoded as AgentEvent }
    : { aggregate: 'task', event: decoded as TaskEvent };
}

import { formatPositionToken } from '@app/domain';
import type { LoggedEvent } from '@app/event-log';
import type { Envelope } from 'rabbitmq-client';
import { EVENTS_EXCHANGE, routingKeyOf } from './relay-topology.js';

/** What the log row alone does not say: the agent a task belongs to, and the request that caused the event. */
export interface EventContext {
  agentId: string;
  requestId: string | null;
}

export interface RelayMessage {
  envelope: Envelope;
  body: Buffer;
}

/** A stable id of an event, the same on every redelivery: consumers drop duplicates by it. */
export const messageIdOf = (event: Pick<LoggedEvent, 'aggregateId' | 'revision'>) => `${event.aggregateId}:${event.revision}`;

/**
 * An event as published: the body is the event as GetHistory answers it, plus the agent's
 * id and the event's position token (usable as X-Min-Position).
 */
export function relayMessage(event: LoggedEvent, context: EventContext): RelayMessage {
  const position = formatPositionToken(event);
  const body = {
    type: event.type,
    aggregateId: event.aggregateId,
    revision: event.revision,
    data: event.data,
    occurredAt: event.occurredAt,
    agentId: context.agentId,
    position,
  };
  return {
    envelope: {
      exchange: EVENTS_EXCHANGE,
      routingKey: routingKeyOf(event.aggregateType, event.type, context.agentId),
      messageId: messageIdOf(event),
      type: event.type,
      contentType: 'application/json',
      timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
      durable: true,
      headers: {
        'aggregate-type': event.aggregateType,
        'aggregate-id': event.aggregateId,
        revision: event.revision,
        position,
        ...(context.requestId === null ? {} : { 'request-id': context.requestId }),
      },
    },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/**
 * The broker topology of docs/api.md section 9, shared by the relay that publishes and
 * the workers that consume: both declare the work queue with these very arguments (a
 * redeclaration with others fails with PRECONDITION_FAILED), so either may start first.
 */
export const EVENTS_EXCHANGE = 'agent-fleet.events';

/** The routing key of an event: `<aggregate type>.<event type>.<agent id>`. */
export const routingKeyOf = (aggregateType: string, type: string, agentId: string) => `${aggregateType}.${type}.${agentId}`;

/** An agent's work queue: its TaskSubmitted events, for its workers. */
export const workQueueName = (agentId: string) => `agent-fleet.tasks.${agentId}`;

export const WORK_QUEUE_ARGUMENTS = { 'x-queue-type': 'quorum' } as const;

export const eventsExchangeDeclaration = { exchange: EVENTS_EXCHANGE, type: 'topic', durable: true } as const;

export const workQueueDeclaration = (agentId: string) =>
  ({ queue: workQueueName(agentId), durable: true, arguments: { ...WORK_QUEUE_ARGUMENTS } }) as const;

export const workQueueBinding = (agentId: string) =>
  ({ queue: workQueueName(agentId), exchange: EVENTS_EXCHANGE, routingKey: routingKeyOf('task', 'TaskSubmitted', agentId) }) as const;

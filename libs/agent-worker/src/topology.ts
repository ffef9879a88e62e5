/**
 * The broker topology the relay publishes to and workers consume from (docs/agent-worker.md).
 * The relay declares an agent's work queue before it publishes the agent's first event; a
 * worker declares it too, with the very same arguments, so either may start first.
 */
export const EVENTS_EXCHANGE = 'agent-fleet.events';

export const workQueueName = (agentId: string) => `agent-fleet.tasks.${agentId}`;

/** TaskSubmitted events of one agent: `<aggregate type>.<event type>.<agent id>`. */
export const submittedRoutingKey = (agentId: string) => `task.TaskSubmitted.${agentId}`;

export const eventsExchangeDeclaration = { exchange: EVENTS_EXCHANGE, type: 'topic', durable: true } as const;

export const workQueueDeclaration = (agentId: string) =>
  ({ queue: workQueueName(agentId), durable: true, arguments: { 'x-queue-type': 'quorum' } }) as const;

export const workQueueBinding = (agentId: string) =>
  ({ queue: workQueueName(agentId), exchange: EVENTS_EXCHANGE, routingKey: submittedRoutingKey(agentId) }) as const;

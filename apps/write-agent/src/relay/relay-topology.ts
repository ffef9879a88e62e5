import type { Channel } from 'rabbitmq-client';

/** The durable topic exchange every event of the log is published to (docs/api.md, "Events on RabbitMQ"). */
export const EVENTS_EXCHANGE = 'agent-fleet.events';

/** An agent's work queue: its TaskSubmitted events, for its workers. */
export const workQueueOf = (agentId: string) => `agent-fleet.tasks.${agentId}`;

/** The routing key of an event: `<aggregate type>.<event type>.<agent id>`. */
export const routingKeyOf = (aggregateType: string, type: string, agentId: string) => `${aggregateType}.${type}.${agentId}`;

/**
 * The arguments a work queue is declared with, by the relay and by workers alike: a
 * redeclaration with other arguments would fail with PRECONDITION_FAILED.
 */
export const WORK_QUEUE_ARGUMENTS = { 'x-queue-type': 'quorum' } as const;

export async function declareExchange(channel: Channel): Promise<void> {
  await channel.exchangeDeclare({ exchange: EVENTS_EXCHANGE, type: 'topic', durable: true });
}

/** Declares an agent's work queue and its binding; idempotent. */
export async function declareWorkQueue(channel: Channel, agentId: string): Promise<void> {
  const queue = workQueueOf(agentId);
  await channel.queueDeclare({ queue, durable: true, arguments: { ...WORK_QUEUE_ARGUMENTS } });
  await channel.queueBind({ queue, exchange: EVENTS_EXCHANGE, routingKey: routingKeyOf('task', 'TaskSubmitted', agentId) });
}

/**
 * Deletes a retired agent's work queue. A retired agent has no open task (RetireAgent
 * refuses while one is pending or running), so whatever the queue still holds names tasks
 * that have ended, which a worker would only acknowledge and drop.
 */
export async function deleteWorkQueue(channel: Channel, agentId: string): Promise<void> {
  await channel.queueDelete({ queue: workQueueOf(agentId) });
}

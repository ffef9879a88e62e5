import type { Channel } from 'rabbitmq-client';
import { eventsExchangeDeclaration, workQueueBinding, workQueueDeclaration, workQueueName } from '@app/domain';

export { EVENTS_EXCHANGE, routingKeyOf } from '@app/domain';

export async function declareExchange(channel: Channel): Promise<void> {
  await channel.exchangeDeclare(eventsExchangeDeclaration);
}

/** Declares an agent's work queue and its binding; idempotent. */
export async function declareWorkQueue(channel: Channel, agentId: string): Promise<void> {
  await channel.queueDeclare(workQueueDeclaration(agentId));
  await channel.queueBind(workQueueBinding(agentId));
}

/**
 * Deletes a retired agent's work queue. A retired agent has no open task (RetireAgent
 * refuses while one is pending or running), so whatever the queue still holds names tasks
 * that have ended, which a worker would only acknowledge and drop.
 */
export async function deleteWorkQueue(channel: Channel, agentId: string): Promise<void> {
  await channel.queueDelete({ queue: workQueueName(agentId) });
}

import { routingKeyOf } from '@app/domain';

/** The topology workers consume from, the same the relay declares (docs/agent-worker.md). */
export {
  EVENTS_EXCHANGE,
  eventsExchangeDeclaration,
  workQueueBinding,
  workQueueDeclaration,
  workQueueName,
} from '@app/domain';

/** TaskSubmitted events of one agent. */
export const submittedRoutingKey = (agentId: string) => routingKeyOf('task', 'TaskSubmitted', agentId);

import type pg from 'pg';
import { Connection } from 'rabbitmq-client';

/**
 * Publishes TaskSubmitted events from the event log to the broker as the relay does
 * (docs/agent-worker.md, "Messages"): same exchange, routing key, body, properties and
 * headers, and the agent's work queue declared first with the relay's arguments. Written
 * here from the contract, not from the worker library, so that a worker that declares or
 * reads otherwise fails these tests.
 */
export class SubmittedEvents {
  private readonly connection: Connection;

  constructor(amqpUrl: string) {
    this.connection = new Connection({ url: amqpUrl, connectionName: 'test relay' });
  }

  async declareWorkQueue(agentId: string): Promise<void> {
    await this.connection.exchangeDeclare({ exchange: 'agent-fleet.events', type: 'topic', durable: true });
    await this.connection.queueDeclare({ queue: `agent-fleet.tasks.${agentId}`, durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await this.connection.queueBind({ queue: `agent-fleet.tasks.${agentId}`, exchange: 'agent-fleet.events', routingKey: `task.TaskSubmitted.${agentId}` });
  }

  /** Publishes the TaskSubmitted events of these tasks, in log order, each confirmed; `copies` > 1 republishes each. */
  async publish(sql: pg.Pool, taskIds: string[], copies = 1): Promise<number> {
    const { rows } = await sql.query<{ aggregate_id: string; revision: number; data: Record<string, unknown>; occurred_at: Date; position: string; tx_id: string; request_id: string }>(
      `SELECT aggregate_id, revision, data, occurred_at, position::text, tx_id::text, metadata->>'requestId' AS request_id
       FROM events WHERE type = 'TaskSubmitted' AND aggregate_id = ANY($1::uuid[]) ORDER BY tx_id, position`,
      [taskIds],
    );
    const publisher = this.connection.createPublisher({ confirm: true, maxAttempts: 3 });
    try {
      for (let copy = 0; copy < copies; copy++) {
        for (const row of rows) {
          const agentId = String(row.data.agentId);
          const position = `${row.tx_id}.${row.position}`;
          const body = { type: 'TaskSubmitted', aggregateId: row.aggregate_id, revision: row.revision, data: row.data, occurredAt: row.occurred_at.toISOString(), agentId, position };
          await publisher.send(
            {
              exchange: 'agent-fleet.events',
              routingKey: `task.TaskSubmitted.${agentId}`,
              messageId: `${row.aggregate_id}:${row.revision}`,
              type: 'TaskSubmitted',
              contentType: 'application/json',
              timestamp: Math.floor(row.occurred_at.getTime() / 1000),
              durable: true,
              headers: { 'aggregate-type': 'task', 'aggregate-id': row.aggregate_id, revision: row.revision, position, 'request-id': row.request_id },
            },
            body,
          );
        }
      }
    } finally {
      await publisher.close();
    }
    return rows.length * copies;
  }

  async queueDepth(agentId: string): Promise<number> {
    const { messageCount } = await this.connection.queueDeclare({ queue: `agent-fleet.tasks.${agentId}`, passive: true });
    return messageCount;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

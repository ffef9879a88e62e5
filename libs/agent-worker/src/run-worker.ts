import { randomUUID } from 'node:crypto';
import { Connection, ConsumerStatus, type AsyncMessage } from 'rabbitmq-client';
import { DEFAULT_RETRY } from './retry-policy.js';
import { SeenMessages } from './seen-messages.js';
import { TaskCommands } from './task-commands.js';
import { TaskDelivery } from './task-delivery.js';
import { eventsExchangeDeclaration, workQueueBinding, workQueueDeclaration, workQueueName } from './topology.js';
import type { Worker, WorkerLogger, WorkerOptions, WorkerStats } from './worker-options.js';
import { taskOfMessage } from './worker-task.js';

const consoleLogger: WorkerLogger = {
  info: (message, fields) => console.info(message, fields ?? ''),
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};

/**
 * Consumes one agent's work queue and works each submitted task through the write agent
 * (docs/agent-worker.md). Every delivery is acked only after the write agent answered.
 */
export function runWorker(options: WorkerOptions): Worker {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error('concurrency must be a whole number >= 1');
  const logger = options.logger ?? consoleLogger;
  const stats: WorkerStats = { received: 0, duplicates: 0, started: 0, completed: 0, failed: 0, lost: 0, dropped: 0, requeued: 0, inFlight: 0, maxInFlight: 0 };
  const workerId = randomUUID();
  const delivery = new TaskDelivery(
    new TaskCommands(options.writeUrl.replace(/\/+$/, ''), options.token, workerId),
    options.handle,
    { ...DEFAULT_RETRY, ...options.retry },
    stats,
    logger,
  );
  const settled = new SeenMessages();
  const working = new Set<string>();

  const connection = new Connection({ url: options.amqpUrl, connectionName: `agent-worker ${options.agentId}` });
  connection.on('error', (error) => logger.warn('broker connection error', { error: String(error) }));

  async function onMessage(message: AsyncMessage): Promise<ConsumerStatus> {
    stats.received++;
    const id = message.messageId;
    if (id && (settled.has(id) || working.has(id))) {
      stats.duplicates++;
      return ConsumerStatus.ACK;
    }
    const task = taskOfMessage(message.body);
    if (typeof task === 'string') {
      stats.dropped++;
      logger.error(`message dropped: ${task}`, { messageId: id });
      return ConsumerStatus.DROP;
    }
    if (id) working.add(id);
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    try {
      const status = await delivery.work(task);
      if (id && status === ConsumerStatus.ACK) settled.add(id);
      return status;
    } finally {
      stats.inFlight--;
      if (id) working.delete(id);
    }
  }

  const consumer = connection.createConsumer(
    {
      queue: workQueueName(options.agentId),
      queueOptions: workQueueDeclaration(options.agentId),
      exchanges: [eventsExchangeDeclaration],
      queueBindings: [workQueueBinding(options.agentId)],
      qos: { prefetchCount: options.concurrency },
      concurrency: options.concurrency,
      requeue: true,
    },
    onMessage,
  );
  consumer.on('error', (error) => logger.warn('consumer error', { error: String(error) }));
  const ready = new Promise<void>((resolve) => consumer.once('ready', () => resolve()));

  return {
    ready,
    stats,
    async stop() {
      // Waits for the handlers in flight; deliveries prefetched but not begun go back to the queue.
      await consumer.close();
      await connection.close();
    },
  };
}

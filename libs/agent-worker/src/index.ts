export { runWorker } from './run-worker.js';
export type { Worker, WorkerLogger, WorkerOptions, WorkerStats } from './worker-options.js';
export type { JsonObject, WorkerTask } from './worker-task.js';
export { EVENTS_EXCHANGE, submittedRoutingKey, workQueueBinding, workQueueDeclaration, workQueueName, eventsExchangeDeclaration } from './topology.js';

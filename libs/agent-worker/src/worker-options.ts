import type { RetryPolicy } from './retry-policy.js';
import type { JsonObject, WorkerTask } from './worker-task.js';

export interface WorkerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface WorkerOptions {
  /** The agent whose work queue this worker consumes (agent-fleet.tasks.<agentId>). */
  agentId: string;
  /** The write agent's base URL, e.g. http://127.0.0.1:3000. */
  writeUrl: string;
  /** A bearer token with the commands:write scope. */
  token: string;
  /** amqp://user:password@host:port/vhost */
  amqpUrl: string;
  /** Tasks handled at once; also the consumer's prefetch. */
  concurrency: number;
  /** Runs one task: its result completes the task, a throw fails it with the error's message. */
  handle: (task: WorkerTask) => Promise<JsonObject | void>;
  logger?: WorkerLogger;
  retry?: Partial<RetryPolicy>;
}

export interface WorkerStats {
  /** Deliveries received, redeliveries and duplicates included. */
  received: number;
  /** Deliveries acked at once because this worker had the message already. */
  duplicates: number;
  /** Tasks this worker claimed and ran. */
  started: number;
  completed: number;
  failed: number;
  /** Tasks another worker, a cancellation or the deadline changed first (409/412 on a command). */
  lost: number;
  /** Deliveries naming a task the write agent does not know (404), or not a TaskSubmitted. */
  dropped: number;
  /** Deliveries given back to the queue after the write agent could not answer. */
  requeued: number;
  inFlight: number;
  maxInFlight: number;
}

export interface Worker {
  /** Resolves once the consumer is subscribed (the queue exists from then on). */
  readonly ready: Promise<void>;
  readonly stats: Readonly<WorkerStats>;
  /** Takes no new delivery, finishes the tasks in flight, then closes the connection. */
  stop(): Promise<void>;
}

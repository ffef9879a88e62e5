import { RetryableError, retryAfterMs } from './retry-policy.js';
import type { JsonObject } from './worker-task.js';

/**
 * What a command's answer means to the worker: `applied` (2xx, a replay included),
 * `lost` (409/412: another worker, a cancellation or the deadline changed the task first)
 * or `unknown` (404: no such task on this write agent). Anything else that may pass
 * (transport errors, 429, 5xx) throws a RetryableError; any other answer (400, 401, 403,
 * 422: a bug or bad configuration) throws an Error, and the delivery is requeued too.
 */
export type CommandAnswer = 'applied' | 'lost' | 'unknown';

const REQUEST_TIMEOUT_MS = 10_000;

/** The three commands a worker sends to the write agent. */
export class TaskCommands {
  constructor(
    private readonly writeUrl: string,
    private readonly token: string,
    /** Prefix of Idempotency-Key and X-Request-Id: one worker's keys are its own. */
    private readonly workerId: string,
  ) {}

  /** Claims a pending task: only revision 1 (just submitted) can be started by it. */
  start(taskId: string): Promise<CommandAnswer> {
    return this.send(taskId, 'start', {}, { 'if-match': '"1"' });
  }

  complete(taskId: string, attempt: string, result: JsonObject): Promise<CommandAnswer> {
    return this.send(taskId, 'complete', { result }, {}, attempt);
  }

  fail(taskId: string, attempt: string, error: string): Promise<CommandAnswer> {
    return this.send(taskId, 'fail', { error }, {}, attempt);
  }

  /**
   * The key is the same for every retry of one command, so a retry of a command whose
   * answer was lost replays that answer instead of meeting its own effect as a 409.
   */
  private async send(taskId: string, verb: string, body: object, headers: Record<string, string>, attempt = 'claim'): Promise<CommandAnswer> {
    const key = `${this.workerId}:${taskId}:${verb}:${attempt}`;
    let response: Response;
    try {
      response = await fetch(`${this.writeUrl}/tasks/${taskId}/${verb}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
          'x-request-id': `agent-worker-${this.workerId.slice(0, 8)}-${taskId}`,
          ...headers,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
    } catch (error) {
      throw new RetryableError(`${verb} ${taskId}: ${(error as Error).message}`);
    }
    const { status } = response;
    if (status >= 200 && status < 300) return 'applied';
    if (status === 409 || status === 412) return 'lost';
    if (status === 404) return 'unknown';
    if (status === 429 || status >= 500) throw new RetryableError(`${verb} ${taskId}: ${status}`, retryAfterMs(response.headers.get('retry-after')));
    throw new Error(`${verb} ${taskId} was refused with ${status}`);
  }
}

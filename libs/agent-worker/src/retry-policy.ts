/** An answer or failure that may go away: the command is tried again, then the message requeued. */
export class RetryableError extends Error {
  override name = 'RetryableError';

  /** Set when the retries gave up: how long to wait before the delivery goes back to the queue. */
  pauseMs = 0;

  constructor(
    message: string,
    /** From the answer's Retry-After, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface RetryPolicy {
  /** How long one command is tried before the delivery is given back to the queue. */
  readonly retryForMs: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retryForMs: 30_000, firstDelayMs: 100, maxDelayMs: 5_000 };

/** Seconds of a Retry-After header (the agents send whole seconds), in milliseconds. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

/** Exponential backoff with full jitter, never shorter than what the server asked for. */
export function delayBefore(attempt: number, policy: RetryPolicy, serverAskedMs = 0): number {
  const backoff = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** attempt);
  return Math.max(serverAskedMs, Math.random() * backoff);
}

/**
 * Runs `attempt` until it resolves or throws something else than a RetryableError;
 * after `retryForMs` the last RetryableError is thrown.
 */
export async function withRetries<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const giveUpAt = Date.now() + policy.retryForMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      const delay = delayBefore(tries, policy, error.retryAfterMs);
      if (Date.now() + delay > giveUpAt) {
        // The server's Retry-After holds even here (up to a minute): a requeue is redelivered at once.
        error.pauseMs = Math.max(Math.min(error.retryAfterMs ?? 0, 60_000), Math.min(delay, policy.maxDelayMs));
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

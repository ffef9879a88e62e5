import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Extra text for the error on time-out, e.g. the tail of the server's log. */
  details?: () => Promise<string>;
  /** Stops waiting at once (with this error) when it returns a message. */
  abort?: () => string | undefined;
}

/**
 * Calls `probe` until it returns something other than `undefined` or the deadline
 * passes. A throwing probe counts as "not yet"; its last error goes into the time-out
 * message.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    const aborted = options.abort?.();
    if (aborted !== undefined) {
      throw new Error(`${what}: ${aborted}${await detailsOf(options)}`);
    }
    try {
      const result = await probe();
      if (result !== undefined) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const last = lastError === undefined ? '' : ` (last error: ${messageOf(lastError)})`;
      throw new Error(`${what}: not done within ${options.timeoutMs} ms${last}${await detailsOf(options)}`);
    }
    await sleep(interval);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function detailsOf(options: WaitOptions): Promise<string> {
  if (!options.details) return '';
  try {
    const text = await options.details();
    return text ? `\n${text}` : '';
  } catch {
    return '';
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentProcess } from './agent-process.js';

/**
 * What became of one request sent while an agent shuts down. `refused`: the connection
 * was refused, the agent had stopped accepting: not a failure. `reset`: the connection
 * broke after the request was sent on it: a failure, as is any status but 2xx.
 */
export interface Outcome {
  status: number; // 0 unless answered
  refused: boolean;
  /**
   * Reset and never seen by the agent (no access-log line of its request id): its
   * connection still sat in the kernel's accept queue, not yet accepted by a busy event
   * loop, when the listener closed. Like a refusal, not a failure: no request the agent
   * accepted failed. (A command cut after it was applied would still show: the write
   * agent's test counts its events.)
   */
  neverReached?: boolean;
  requestId?: string;
  error?: string;
  at: number;
  ms: number;
}

const codeOf = (error: unknown): string => {
  let cause: unknown = error;
  while (cause && typeof cause === 'object' && 'cause' in cause && (cause as { cause?: unknown }).cause) cause = (cause as { cause: unknown }).cause;
  return String((cause as { code?: string })?.code ?? (cause as Error)?.message ?? cause);
};

async function send(url: string, init: RequestInit): Promise<Outcome> {
  const at = Date.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return { status: response.status, refused: false, at, ms: Date.now() - at };
  } catch (error) {
    const code = codeOf(error);
    return { status: 0, refused: code === 'ECONNREFUSED', error: code, at, ms: Date.now() - at };
  }
}

export interface ShutdownRun {
  outcomes: Outcome[];
  exitCode: number | null;
  /** From SIGTERM to the exit. */
  exitMs: number;
  /** Requests answered after SIGTERM. */
  answeredAfterSignal: number;
  /** Each failure: ms from SIGTERM to when it was sent, how long it took, the error. */
  failureTimes: string[];
}

/**
 * `clients` clients each sending `request()` in a loop until their connection is refused;
 * once `warmUp` requests were answered, SIGTERM. Resolves once the agent has exited.
 */
export async function sigtermUnderLoad(
  agent: AgentProcess & { exited?: Promise<number | null> },
  clients: number,
  request: () => { path: string; init: RequestInit },
  warmUp = 500,
): Promise<ShutdownRun> {
  const outcomes: Outcome[] = [];
  let signalAt = 0;
  let sent = 0;
  const loops = Array.from({ length: clients }, async () => {
    for (;;) {
      const { path, init } = request();
      const requestId = `shutdown-${sent++}`;
      const outcome = await send(`${agent.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-request-id': requestId } });
      outcome.requestId = requestId;
      outcomes.push(outcome);
      if (outcome.refused) return;
      if (signalAt && Date.now() - signalAt > 30_000) return;
    }
  });
  while (outcomes.filter((o) => o.status >= 200 && o.status < 300).length < warmUp) await sleep(20);
  signalAt = Date.now();
  const exitCode = await agent.stop();
  const exitMs = Date.now() - signalAt;
  await Promise.all(loops);
  const seen = new Set(agent.logs().map((line) => line.requestId));
  for (const o of outcomes) {
    if (o.status === 0 && !o.refused && !seen.has(o.requestId)) o.neverReached = true;
  }
  const failureTimes = failuresOf(outcomes).map((o) => `${o.at - signalAt}+${o.ms} ${o.error ?? o.status}`);
  return { outcomes, exitCode, exitMs, answeredAfterSignal: outcomes.filter((o) => o.status > 0 && o.at + o.ms >= signalAt).length, failureTimes };
}

/** Counts of the outcomes: statuses, refusals and the errors of the failures. */
export function summarize(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.status ? String(o.status) : o.refused ? 'refused' : o.neverReached ? 'reset before it reached the agent' : `error ${o.error}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Failures: a reset or a non-2xx answer to a request the agent had accepted. */
export const failuresOf = (outcomes: Outcome[]) => outcomes.filter((o) => !o.refused && !o.neverReached && (o.status < 200 || o.status > 299));

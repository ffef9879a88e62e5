import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient, type Answer } from './http-client.js';

export interface Timed {
  kind: 'command' | 'query';
  method: string;
  path: string;
  status: number;
  source: string | null;
  at: number;
  ms: number;
}

/** An HttpClient that records every answer, its status, source (X-Data-Source) and time. */
export class TimedClient extends HttpClient {
  constructor(
    baseUrl: string,
    token: string,
    private readonly kind: Timed['kind'],
    private readonly answers: Timed[],
  ) {
    super(baseUrl, token);
  }

  override async request<T = any>(method: string, path: string, options: Parameters<HttpClient['request']>[2] = {}): Promise<Answer<T>> {
    const at = Date.now();
    const answer = await super.request<T>(method, path, options);
    this.answers.push({ kind: this.kind, method, path, status: answer.status, source: answer.headers.get('x-data-source'), at, ms: Date.now() - at });
    return answer;
  }
}

const byStatus = (list: Timed[]) => {
  const counts: Record<string, number> = {};
  for (const answer of list) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
};

/** Requests, counts by status and the slowest answer. */
export const summary = (list: Timed[]) => ({
  requests: list.length,
  byStatus: byStatus(list),
  slowestMs: Math.max(0, ...list.map((answer) => answer.ms)),
});

export function countBy(values: Array<string | null>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

/** Reads views, stats and lists from every reader until `state.done`. */
export function keepReading(paths: string[], clients: HttpClient[], state: { done: boolean }): Promise<void> {
  return Promise.all(
    clients.map(async (client) => {
      while (!state.done) {
        for (const path of paths) await client.get(path);
        await sleep(10);
      }
    }),
  ).then(() => undefined);
}

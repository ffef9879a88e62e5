import { withTimeout } from '../lib/lifecycle.js';

export const BENCH_AGENT_COUNT = 100;

/**
 * The id of bench agent n (1-based) in run `runTag` (8 hex digits). Deterministic so
 * that pgbench, whose variables are numbers only, can compute it in SQL.
 */
export function benchAgentId(runTag: string, n: number): string {
  return `${runTag}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

/** POST with a JSON body; throws unless the answer is `expected`. */
export async function postJson<T>(url: string, token: string, body: unknown, expected = 201): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: authHeaders(token),
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`POST ${url}: ${response.status} (expected ${expected}): ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Registers the bench agents through the write agent (RegisterAgent), 10 at a time. */
export async function registerBenchAgents(writeAgentUrl: string, token: string, runTag: string): Promise<string[]> {
  const ids = Array.from({ length: BENCH_AGENT_COUNT }, (_, index) => benchAgentId(runTag, index + 1));
  await withTimeout(
    (async () => {
      for (let start = 0; start < ids.length; start += 10) {
        await Promise.all(
          ids.slice(start, start + 10).map((id, offset) =>
            postJson(`${writeAgentUrl}/agents`, token, { id, name: `bench-${runTag}-${start + offset + 1}`, version: '1.0.0' }),
          ),
        );
      }
    })(),
    60_000,
    'registering the bench agents',
  );
  return ids;
}

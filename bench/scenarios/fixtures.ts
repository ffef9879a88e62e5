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

/** The header of an autocannon answer (its names keep the server's letter case). */
export function headerOf(headers: Record<string, string | string[]> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const value = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Waits until the read agent serves every path from Redis at `position`. A GET with
 * X-Min-Position answers only from data that reflects the position, but a replica that
 * has replayed it may answer before the projection has caught up: such answers (200 from
 * a replica) are asked again, every 20 ms, up to `timeoutMs`. Throws on anything else.
 */
export async function awaitProjected(readAgentUrl: string, readToken: string, paths: string[], position: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let start = 0; start < paths.length; start += 10) {
    await Promise.all(
      paths.slice(start, start + 10).map(async (path) => {
        for (;;) {
          const response = await fetch(`${readAgentUrl}${path}`, {
            headers: { authorization: `Bearer ${readToken}`, 'x-min-position': position },
            signal: AbortSignal.timeout(15_000),
          });
          const text = await response.text();
          const source = response.headers.get('x-data-source');
          if (response.status === 200 && source === 'redis') return;
          if (response.status !== 200 || Date.now() > deadline) {
            throw new Error(`GET ${path} with X-Min-Position ${position}: ${response.status} from ${source}: ${text.slice(0, 300)}`);
          }
          await new Promise((done) => setTimeout(done, 20));
        }
      }),
    );
  }
}

/** GET with the token; throws unless 200. */
export async function getJson<T>(url: string, token: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

import { expect } from 'vitest';
import type { HttpClient } from './http-client.js';

/** Submits `count` echo tasks (payload `{ n }`) to an agent, 50 at a time; their ids, in order. */
export async function submitEchoTasks(http: HttpClient, agentId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let first = 0; first < count; first += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - first) }, (_, i) => http.post('/tasks', { agentId, type: 'echo', payload: { n: first + i } })),
    );
    for (const answer of batch) {
      expect(answer.status).toBe(201);
      ids.push(answer.body.id);
    }
  }
  return ids;
}

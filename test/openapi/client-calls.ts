/**
 * A client of both agents written against the types openapi-typescript generates from
 * their /docs-json: one call of every operation (its id in the comment after it), and
 * one wrong call that must not type-check. The OpenAPI test compiles it with tsc.
 */
export const CLIENT_CALLS = `
import createClient from 'openapi-fetch';
import type { paths as WritePaths } from './write-agent.js';
import type { paths as ReadPaths } from './read-agent.js';

const write = createClient<WritePaths>({ baseUrl: 'http://127.0.0.1:3000' });
const read = createClient<ReadPaths>({ baseUrl: 'http://127.0.0.1:3001' });
const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
const command = { header: { 'If-Match': '"1"', 'Idempotency-Key': 'key-1', 'X-Request-Id': 'request-1' } };

export async function callEveryOperation(): Promise<string[]> {
  const registered = await write.POST('/agents', { params: command, body: { name: 'crawler', version: '1.0.0', config: { depth: 2 }, id } }); // registerAgent
  const position: string | undefined = registered.data?.position;
  const revision: number | undefined = registered.data?.revision;
  await write.PATCH('/agents/{id}', { params: { ...command, path: { id } }, body: { version: '1.0.1' } }); // updateAgent
  await write.POST('/agents/{id}/pause', { params: { ...command, path: { id } } }); // pauseAgent
  await write.POST('/agents/{id}/resume', { params: { ...command, path: { id } } }); // resumeAgent
  await write.POST('/agents/{id}/retire', { params: { ...command, path: { id } } }); // retireAgent
  await write.POST('/tasks', { params: command, body: { agentId: id, type: 'crawl.page', payload: { url: 'https://example.org' } } }); // submitTask
  await write.POST('/tasks/{id}/start', { params: { ...command, path: { id } } }); // startTask
  await write.POST('/tasks/{id}/complete', { params: { ...command, path: { id } }, body: { result: { pages: 3 } } }); // completeTask
  await write.POST('/tasks/{id}/fail', { params: { ...command, path: { id } }, body: { error: 'unreachable' } }); // failTask
  await write.POST('/tasks/{id}/cancel', { params: { ...command, path: { id } }, body: { reason: 'not needed' } }); // cancelTask

  const agent = await read.GET('/agents/{id}', { params: { path: { id } } }); // getAgent
  const name: string | undefined = agent.data?.name;
  await read.GET('/agents', { params: { query: { status: 'active', limit: 10 } } }); // listAgents
  const task = await read.GET('/tasks/{id}', { params: { path: { id } } }); // getTask
  const taskStatus: string | undefined = task.data?.status;
  const page = await read.GET('/tasks', { params: { query: { agentId: id, status: 'pending', type: 'crawl.page', limit: 20 } } }); // listTasks
  const next: string | null | undefined = page.data?.nextCursor;
  const stats = await read.GET('/stats'); // getStats
  const total: number | undefined = stats.data?.tasks.total;
  await read.GET('/agents/{id}/history', { params: { path: { id } } }); // getAgentHistory
  const history = await read.GET('/tasks/{id}/history', { params: { path: { id } } }); // getTaskHistory
  const firstType: string | undefined = history.data?.items[0]?.type;

  // @ts-expect-error the name of an agent is a string
  await write.POST('/agents', { body: { name: 1, version: '1.0.0' } });

  return [String(position), String(revision), String(name), String(taskStatus), String(next), String(total), String(firstType)];
}
`;

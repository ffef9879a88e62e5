/**
 * An example worker fleet: one agent-worker per active agent, found through ListAgents on
 * the read agent, completing `echo` tasks with their payload (any other type fails with a
 * message saying so). `npm start` runs it when a broker is there; alone it runs with
 * WRITE_URL, READ_URL, TOKEN and AMQP_URL: `node dist/scripts/example-worker.js`. With
 * AGENT_ID it serves that one agent and needs no READ_URL: one Deployment per agent, as
 * deploy/k8s/components/workers scales it on the length of that agent's queue.
 */
import { pathToFileURL } from 'node:url';
import { runWorker, type Worker, type WorkerTask } from '@app/agent-worker';

export interface ExampleWorkerOptions {
  writeUrl: string;
  /** Where ListAgents finds the agents to serve; unused with `agentId`. */
  readUrl?: string;
  /** Serve this agent only, instead of every active one. */
  agentId?: string;
  /** A token with commands:write (for the commands) and queries:read (for ListAgents). */
  token: string;
  amqpUrl: string;
  log: (line: string) => void;
  discoverEveryMs?: number;
}

async function echo(task: WorkerTask) {
  if (task.type !== 'echo') throw new Error(`the example worker runs echo tasks only, not ${task.type}`);
  return { echo: task.payload };
}

/** Ids of every active agent, page by page. */
async function activeAgents(readUrl: string, token: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ status: 'active', limit: '100', ...(cursor ? { cursor } : {}) });
    const response = await fetch(`${readUrl}/agents?${query}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`ListAgents answered ${response.status}`);
    const page = (await response.json()) as { items: Array<{ id: string }>; nextCursor: string | null };
    ids.push(...page.items.map((agent) => agent.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

export function startExampleWorker(options: ExampleWorkerOptions): { stop(): Promise<void> } {
  const workers = new Map<string, Worker>();
  const logger = {
    info: () => {},
    warn: (message: string, fields?: Record<string, unknown>) => options.log(`${message} ${JSON.stringify(fields ?? {})}`),
    error: (message: string, fields?: Record<string, unknown>) => options.log(`${message} ${JSON.stringify(fields ?? {})}`),
  };
  let stopped = false;

  const agentsToServe = async () => {
    if (options.agentId) return [options.agentId];
    if (!options.readUrl) throw new Error('READ_URL (or AGENT_ID) is required');
    return activeAgents(options.readUrl, options.token);
  };
  async function discover(): Promise<void> {
    try {
      for (const agentId of await agentsToServe()) {
        if (stopped || workers.has(agentId)) continue;
        const { writeUrl, token, amqpUrl } = options;
        workers.set(agentId, runWorker({ agentId, writeUrl, token, amqpUrl, concurrency: 4, handle: echo, logger }));
        options.log(`serving the echo tasks of agent ${agentId}`);
      }
    } catch (error) {
      options.log(`agent discovery failed, trying again: ${(error as Error).message}`);
    }
  }

  const timer = setInterval(() => void discover(), options.discoverEveryMs ?? 2_000);
  void discover();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...workers.values()].map((worker) => worker.stop()));
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = (name: string) => process.env[name] ?? (console.error(`example-worker: ${name} is required`), process.exit(1));
  const fleet = startExampleWorker({
    writeUrl: env('WRITE_URL'),
    ...(process.env.AGENT_ID ? { agentId: process.env.AGENT_ID } : { readUrl: env('READ_URL') }),
    token: env('TOKEN'),
    amqpUrl: env('AMQP_URL'),
    log: (line) => console.log(`[example-worker] ${line}`),
  });
  const stop = () => void fleet.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

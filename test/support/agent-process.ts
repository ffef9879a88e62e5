import { resolve } from 'node:path';
import { runNodeProgram, startAgentProcess, type AgentProcess as RunningAgent } from '@app/local-stack';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = {
  'write-agent': 'dist/apps/write-agent/src/main.js',
  'read-agent': 'dist/apps/read-agent/src/main.js',
} as const;

/** stop(): SIGKILL when SIGTERM has not ended the agent after this long (past its own forced exit at 25 s). */
export const STOP_TIMEOUT_MS = 30_000;

/** A start on a busy machine (the real-store hooks allow 120 s) may take longer than the library's 30 s default. */
const READY_TIMEOUT_MS = 60_000;

/** Every agent spawned by this test file and not yet exited (stopAllAgents() ends them). */
const running = new Set<RunningAgent>();

export interface AgentProcess {
  url: string;
  /** The process id (a read agent's projector lease names it). */
  pid: number;
  /** Everything the process wrote so far (stdout and stderr), as lines. */
  output(): string[];
  /** JSON log lines written so far. */
  logs(): Array<Record<string, unknown>>;
  /** Sends SIGTERM (SIGKILL after STOP_TIMEOUT_MS) and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Sends SIGKILL, as a crash would (no shutdown hooks run), and resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * Runs a built agent as a real process (npm test builds first) and waits until ready.
 * It stops itself if this test process dies, and stopAllAgents() ends it if a test forgets.
 */
export async function startAgent(agent: keyof typeof ENTRY, env: Record<string, string>): Promise<AgentProcess> {
  const lines: string[] = [];
  const started: RunningAgent = await startAgentProcess({
    name: agent,
    entry: ENTRY[agent],
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env },
    onLine: (line) => lines.push(line),
    stopTimeoutMs: STOP_TIMEOUT_MS,
    readyTimeoutMs: READY_TIMEOUT_MS,
    exitWithParent: true,
    // Tracked from the spawn on: a start that times out in a hook still leaves a handle here.
    onSpawn: (child) => {
      running.add(child);
      void child.exited.finally(() => running.delete(child));
    },
  });
  return {
    url: started.url,
    pid: started.pid,
    output: () => [...lines],
    logs: () => lines.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : [])),
    stop: () => started.stop(),
    kill: () => started.kill(),
  };
}

/** How many agents of this test file still run. */
export function runningAgents(): number {
  return running.size;
}

/** Stops every agent still running (SIGTERM, then SIGKILL after STOP_TIMEOUT_MS). */
export async function stopAllAgents(): Promise<void> {
  await Promise.all([...running].map((agent) => agent.stop()));
}

/** Runs an agent that is expected to exit by itself (bad environment); returns code and output. */
export async function runAgentToExit(
  agent: keyof typeof ENTRY,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const { code, output } = await runNodeProgram({
    entry: ENTRY[agent],
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    timeoutMs: 20_000,
    exitWithParent: true,
  });
  return { code, output };
}

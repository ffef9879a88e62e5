import { resolve } from 'node:path';
import { runNodeProgram, startAgentProcess, type AgentProcess as RunningAgent } from '@app/local-stack';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = {
  'write-agent': 'dist/apps/write-agent/src/main.js',
  'read-agent': 'dist/apps/read-agent/src/main.js',
} as const;

export interface AgentProcess {
  url: string;
  /** The process id (a read agent's projector lease names it). */
  pid: number;
  /** Everything the process wrote so far (stdout and stderr), as lines. */
  output(): string[];
  /** JSON log lines written so far. */
  logs(): Array<Record<string, unknown>>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Sends SIGKILL, as a crash would (no shutdown hooks run), and resolves once it has exited. */
  kill(): Promise<void>;
}

/** Runs a built agent as a real process (npm test builds first) and waits until ready. */
export async function startAgent(agent: keyof typeof ENTRY, env: Record<string, string>): Promise<AgentProcess> {
  const lines: string[] = [];
  const running: RunningAgent = await startAgentProcess({
    name: agent,
    entry: ENTRY[agent],
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env },
    onLine: (line) => lines.push(line),
  });
  return {
    url: running.url,
    pid: running.pid,
    output: () => [...lines],
    logs: () => lines.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : [])),
    stop: () => running.stop(),
    kill: () => running.kill(),
  };
}

/** Runs an agent that is expected to exit by itself (bad environment); returns code and output. */
export async function runAgentToExit(
  agent: keyof typeof ENTRY,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const { code, output } = await runNodeProgram({ entry: ENTRY[agent], cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeoutMs: 20_000 });
  return { code, output };
}

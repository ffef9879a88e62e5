import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { getFreePort } from '@app/local-stack';

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
export async function startAgent(
  agent: keyof typeof ENTRY,
  env: Record<string, string>,
): Promise<AgentProcess> {
  const port = await getFreePort();
  const child = spawn(process.execPath, [ENTRY[agent]], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child, lines);
  return {
    url,
    output: () => [...lines],
    logs: () => lines.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : [])),
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitUntilReady(url: string, child: ChildProcess, lines: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}:\n${lines.slice(-20).join('\n')}`);
    try {
      const response = await fetch(`${url}/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`agent not ready after 30 s:\n${lines.slice(-20).join('\n')}`);
}

/** Runs an agent that is expected to exit by itself (bad environment); returns code and output. */
export function runAgentToExit(
  agent: keyof typeof ENTRY,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [ENTRY[agent]], { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

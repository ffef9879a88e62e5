import { spawn } from 'node:child_process';
import { definedEnv, isRunning, nodeArgv, type NodeChildOptions } from './node-child.js';

export interface NodeProgramOptions extends NodeChildOptions {
  /** The child's whole environment (nothing is inherited). */
  env: Record<string, string | undefined>;
  cwd?: string;
  /** SIGKILL after this long; the result says `timedOut`. */
  timeoutMs: number;
  /** Right after the spawn: the pid (e.g. to sample its CPU time) and a way to end it early. */
  onSpawn?: (program: { pid: number; kill(): void }) => void;
}

export interface NodeProgramResult {
  code: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  wallMs: number;
  timedOut: boolean;
}

/** Runs a Node program that ends by itself (a one-shot tool, an agent refusing its environment) to its exit. */
export async function runNodeProgram(options: NodeProgramOptions): Promise<NodeProgramResult> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, nodeArgv(options), {
    cwd: options.cwd,
    env: definedEnv(options.env),
    stdio: [options.exitWithParent ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  // 'close', not 'exit': by then the pipes have delivered everything the program wrote.
  const closed = new Promise<number | null>((done) => {
    child.once('close', (code) => done(code));
    child.once('error', () => done(null));
  });
  const kill = () => {
    if (isRunning(child)) child.kill('SIGKILL');
  };
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);
  if (child.pid !== undefined) options.onSpawn?.({ pid: child.pid, kill });
  try {
    const code = await closed;
    return { code, output, wallMs: Math.round(performance.now() - startedAt), timedOut };
  } finally {
    clearTimeout(timer);
  }
}

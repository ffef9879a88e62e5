import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { getFreePort } from './free-port.js';
import { fileTail, lastLines, LineRing } from './log-tail.js';
import { definedEnv, exitOf, isRunning, nodeArgv, type NodeChildOptions } from './node-child.js';

export interface AgentProcessOptions extends NodeChildOptions {
  /** For messages, e.g. 'write-agent'. */
  name: string;
  /** The child's whole environment (nothing is inherited); PORT and HOST are set from the options below. */
  env: Record<string, string | undefined>;
  cwd?: string;
  /** Default: a free port. */
  port?: number;
  /** Listen address, and the host of `url`. Default 127.0.0.1. */
  host?: string;
  /** stdout and stderr are appended to this file. */
  logFile?: string;
  /** Receives each line of stdout and stderr. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Polled until it answers 200. Default /health/ready. */
  readyPath?: string;
  /** Default 30 s. */
  readyTimeoutMs?: number;
  /** stop(): SIGKILL when SIGTERM has not ended it after this long. Default 30 s, past the agents' own forced exit at 25 s. */
  stopTimeoutMs?: number;
  /** Right after the spawn, before it is ready: lets a caller stop it during a slow start. */
  onSpawn?: (agent: AgentProcess) => void;
  /** It exited without stop() or kill() being called (also while starting). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface AgentProcess {
  name: string;
  url: string;
  port: number;
  pid: number;
  /** Epoch ms at spawn (a --cpu-prof profile starts a few ms later). */
  startedAtMs: number;
  logFile: string | undefined;
  /** Resolves with the exit code (null after a signal), however it ends. */
  exited: Promise<number | null>;
  /** The last lines it wrote, from the log file or else from its pipes. */
  tail(lines?: number): Promise<string>;
  /** SIGTERM (graceful), SIGKILL after `stopTimeoutMs`; resolves with the exit code. Idempotent. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would (no shutdown hooks run); resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * Runs a Node HTTP service (one of the built agents, a bench baseline server) on a port
 * and resolves once `readyPath` answers 200. Its output goes to a file, to `onLine`,
 * or both; if it exits or times out before it is ready, it is killed and the error
 * carries the end of its output.
 */
export async function startAgentProcess(options: AgentProcessOptions): Promise<AgentProcess> {
  const port = options.port ?? (await getFreePort());
  const host = options.host ?? '127.0.0.1';
  const piped = options.onLine !== undefined;
  // Without a line consumer the child writes to the file itself: no copy through this process.
  const fd = options.logFile && !piped ? openSync(options.logFile, 'a') : undefined;
  const output = fd ?? (piped ? 'pipe' : 'ignore');
  const startedAtMs = Date.now();
  const child = spawn(process.execPath, nodeArgv(options), {
    cwd: options.cwd,
    env: { ...definedEnv(options.env), PORT: String(port), HOST: host },
    stdio: [options.exitWithParent ? 'pipe' : 'ignore', output, output],
  });
  if (fd !== undefined) closeSync(fd);
  const collected = piped ? collect(child, options) : undefined;
  const recent = collected?.recent;
  // With pipes, only once the last lines have been handed on and written to the file.
  const exited = exitOf(child).then(async (code) => {
    await collected?.drained;
    return code;
  });

  let expected = false;
  child.once('exit', (code, signal) => {
    if (!expected) options.onUnexpectedExit?.(code, signal);
  });
  // The pipes first: what went through them may not have reached the log file yet.
  const tail = async (lines = 20) =>
    recent ? lastLines(recent.text(), lines) : options.logFile ? fileTail(options.logFile, lines) : '';
  let stopping: Promise<number | null> | undefined;
  const agent: AgentProcess = {
    name: options.name,
    url: `http://${host}:${port}`,
    port,
    pid: child.pid ?? -1,
    startedAtMs,
    logFile: options.logFile,
    exited,
    tail,
    stop: () => {
      expected = true;
      stopping ??= (async () => {
        if (!isRunning(child)) return exited;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs ?? 30_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      })();
      return stopping;
    },
    kill: async () => {
      expected = true;
      if (isRunning(child)) child.kill('SIGKILL');
      await exited;
    },
  };
  if (child.pid === undefined) throw new Error(`${options.name} could not be started: ${await failureOf(child)}`);
  options.onSpawn?.(agent);
  try {
    await waitUntilReady(agent, child, options);
  } catch (error) {
    await agent.kill();
    throw error;
  }
  return agent;
}

/** Copies the pipes to the log file and hands on whole lines; keeps the last ones for error messages. */
function collect(child: ChildProcess, options: AgentProcessOptions): { recent: LineRing; drained: Promise<void> } {
  const recent = new LineRing(60);
  const file: WriteStream | undefined = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  for (const name of ['stdout', 'stderr'] as const) {
    const splitter = new LineRing(1);
    const onLine = (line: string) => {
      if (line === '') return;
      recent.push(`${line}\n`);
      options.onLine?.(line, name);
    };
    const stream = child[name]!.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      file?.write(chunk);
      splitter.push(chunk, onLine);
    });
    stream.once('end', () => splitter.end(onLine));
  }
  const drained = new Promise<void>((done) => {
    child.once('error', () => done());
    child.once('close', () => (file ? file.end(done) : done()));
  });
  return { recent, drained };
}

async function waitUntilReady(agent: AgentProcess, child: ChildProcess, options: AgentProcessOptions): Promise<void> {
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const readyUrl = `${agent.url}${options.readyPath ?? '/health/ready'}`;
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      await agent.exited; // its last words, which tell why, may still be in the pipes
      throw new Error(`${agent.name} exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${await agent.tail()}`);
    }
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${agent.name} was not ready after ${Math.round(timeoutMs / 1000)} s:\n${await agent.tail()}`);
}

function failureOf(child: ChildProcess): Promise<string> {
  return new Promise((done) => child.once('error', (error) => done(error.message)));
}

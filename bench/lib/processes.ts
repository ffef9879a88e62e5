import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { getFreePort } from '@app/local-stack';
import { defer, isAborting, onExitKill } from './lifecycle.js';
import { DIST, ROOT } from './paths.js';
import { cpuTimeMs } from './proc-cpu.js';

export interface NodeServiceSpec {
  name: string;
  /** Entry point under dist/, e.g. 'apps/write-agent/src/main.js'. */
  entry: string;
  env: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Polled until it answers 200. */
  readyPath: string;
  /** stdout and stderr go here (the logs are produced and kept out of the terminal). */
  logFile: string;
  readyTimeoutMs?: number;
}

export interface NodeService {
  name: string;
  url: string;
  port: number;
  pid: number;
  logFile: string;
  /** Epoch ms at spawn (a --cpu-prof profile starts a few ms later). */
  startedAtMs: number;
  /** SIGTERM (graceful), SIGKILL after 20 s; resolves with the exit code. Idempotent. */
  stop(): Promise<number | null>;
}

/** Starts a built Node program on a free loopback port and waits until it is ready. */
export async function startNodeService(spec: NodeServiceSpec): Promise<NodeService> {
  if (isAborting()) throw new Error(`not starting ${spec.name}: the run is stopping`);
  const port = await getFreePort();
  const out = openSync(spec.logFile, 'a');
  const args = [
    ...(spec.nodeArgs ?? []),
    '--import',
    resolve(DIST, 'bench/lib/die-with-parent.js'),
    resolve(DIST, spec.entry),
  ];
  const startedAtMs = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...spec.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['pipe', out, out],
  });
  closeSync(out);
  const exited = exitOf(child);
  const forget = onExitKill(() => child.kill('SIGKILL'));
  let stopping: Promise<number | null> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      forget();
      return exited;
    })();
    return stopping;
  };
  const release = defer(spec.name, async () => void (await stop()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(spec, url, child);
  } catch (error) {
    await release();
    throw error;
  }
  return {
    name: spec.name,
    url,
    port,
    pid: child.pid!,
    logFile: spec.logFile,
    startedAtMs,
    stop: async () => {
      await release();
      return stop();
    },
  };
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
    child.once('exit', (code) => done(code));
    child.once('error', () => done(null));
  });
}

async function waitUntilReady(spec: NodeServiceSpec, url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${spec.name} exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${tail(spec.logFile)}`);
    }
    try {
      const response = await fetch(`${url}${spec.readyPath}`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${spec.name} was not ready after ${Math.round((spec.readyTimeoutMs ?? 30_000) / 1000)} s:\n${tail(spec.logFile)}`);
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    const size = statSync(file).size;
    const length = Math.min(size, 8_000);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').filter(Boolean).slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

export interface NodeRunResult {
  code: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  wallMs: number;
  /** CPU time (user + system) of the process, last seen in /proc before it exited; undefined off Linux. */
  cpuMs?: number;
}

/**
 * Runs a built Node program (under dist/) to its end, e.g. a one-shot tool such as the
 * projection rebuild; killed at `timeoutMs` and when the run stops.
 */
export async function runNodeOnce(spec: { name: string; entry: string; env: Record<string, string>; timeoutMs: number }): Promise<NodeRunResult> {
  if (isAborting()) throw new Error(`not starting ${spec.name}: the run is stopping`);
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['--import', resolve(DIST, 'bench/lib/die-with-parent.js'), resolve(DIST, spec.entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...spec.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const forget = onExitKill(() => child.kill('SIGKILL'));
  const release = defer(spec.name, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  // /proc/<pid> disappears with the process: sample its CPU time until then.
  let cpuMs: number | undefined;
  const sampler = setInterval(() => {
    const now = child.pid === undefined ? undefined : cpuTimeMs(child.pid);
    if (now !== undefined) cpuMs = now;
  }, 50);
  try {
    const code = await Promise.race([
      exitOf(child),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${spec.name}: no exit after ${Math.round(spec.timeoutMs / 1000)} s:\n${output.slice(-2_000)}`)), spec.timeoutMs).unref(),
      ),
    ]);
    return { code, output, wallMs: Math.round(performance.now() - startedAt), cpuMs };
  } finally {
    clearInterval(sampler);
    await release();
    forget();
  }
}

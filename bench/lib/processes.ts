import { resolve } from 'node:path';
import { runNodeProgram, startAgentProcess, type AgentProcess } from '@app/local-stack';
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

export type NodeService = Pick<AgentProcess, 'name' | 'url' | 'port' | 'pid' | 'startedAtMs' | 'stop'> & { logFile: string };

/** Only what a service needs to run: the bench's own environment stays out of the measurements. */
function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
}

/**
 * Starts a built Node program on a free loopback port and waits until it is ready; it is
 * stopped with the run (and stops itself if the bench dies), SIGKILL 20 s after SIGTERM.
 */
export async function startNodeService(spec: NodeServiceSpec): Promise<NodeService> {
  if (isAborting()) throw new Error(`not starting ${spec.name}: the run is stopping`);
  let release: (() => Promise<void>) | undefined;
  let forget: (() => void) | undefined;
  const unregister = async () => {
    await release?.();
    forget?.();
  };
  try {
    const service = await startAgentProcess({
      name: spec.name,
      entry: resolve(DIST, spec.entry),
      cwd: ROOT,
      env: { ...baseEnv(), ...spec.env },
      nodeArgs: spec.nodeArgs,
      exitWithParent: true,
      readyPath: spec.readyPath,
      readyTimeoutMs: spec.readyTimeoutMs,
      logFile: spec.logFile,
      stopTimeoutMs: 20_000,
      onSpawn: (agent) => {
        forget = onExitKill(() => process.kill(agent.pid, 'SIGKILL'));
        release = defer(spec.name, async () => void (await agent.stop()));
      },
    });
    return {
      ...service,
      logFile: spec.logFile,
      stop: async () => {
        const code = await service.stop();
        await unregister();
        return code;
      },
    };
  } catch (error) {
    await unregister();
    throw error;
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
  // /proc/<pid> disappears with the process: sample its CPU time until then.
  let cpuMs: number | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let release: (() => Promise<void>) | undefined;
  let forget: (() => void) | undefined;
  try {
    const result = await runNodeProgram({
      entry: resolve(DIST, spec.entry),
      cwd: ROOT,
      env: { ...baseEnv(), ...spec.env },
      exitWithParent: true,
      timeoutMs: spec.timeoutMs,
      onSpawn: ({ pid, kill }) => {
        forget = onExitKill(kill);
        release = defer(spec.name, async () => kill());
        sampler = setInterval(() => {
          const now = cpuTimeMs(pid);
          if (now !== undefined) cpuMs = now;
        }, 50);
      },
    });
    if (result.timedOut) {
      throw new Error(`${spec.name}: no exit after ${Math.round(spec.timeoutMs / 1000)} s:\n${result.output.slice(-2_000)}`);
    }
    return { code: result.code, output: result.output, wallMs: result.wallMs, cpuMs };
  } finally {
    clearInterval(sampler);
    await release?.();
    forget?.();
  }
}

/**
 * Baseline (d): `redis-benchmark` sending one Redis command from 50 clients: the floor
 * for "a read from this Redis on this machine", without HTTP or Node.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { exitOf, findExecutable } from '@app/local-stack';
import { defer, onExitKill, withTimeout } from '../lib/lifecycle.js';
import { round, type Latency, type Throughput } from '../lib/stats.js';

/** redis-benchmark on PATH; undefined when there is none. */
export function findRedisBenchmark(): string | undefined {
  return findExecutable('redis-benchmark');
}

export interface RedisBenchmarkSpec {
  binary: string;
  /** redis://[user:password@]host:port[/db] */
  redisUrl: string;
  /** The command and its arguments, e.g. ['GET', 'some-key']. */
  command: string[];
  clients: number;
  durationS: number;
  warmupS: number;
  log?: (line: string) => void;
}

export interface RedisBenchmarkResult {
  /** redis-benchmark reports one rate for the whole run: a single sample. */
  rps: Throughput;
  /** p50 / p99 from redis-benchmark; p90 is its p95, mean its average. */
  latencyMs: Latency;
  requests: number;
  seconds: number;
  loadAverage1m: number;
  command: string;
}

/**
 * redis-benchmark runs a number of requests, not a duration: the warm-up run (as many
 * requests as 50,000/s would send in warmupS, at least 20,000) measures the rate, and the
 * measured run gets rate x durationS requests, so it lasts about durationS seconds.
 */
export async function runRedisBenchmark(spec: RedisBenchmarkSpec): Promise<RedisBenchmarkResult> {
  const warmupRequests = Math.max(20_000, 50_000 * spec.warmupS);
  spec.log?.(`  redis-benchmark ${spec.command[0]}: warm-up ${warmupRequests} requests (discarded; sets the measured count)`);
  const warm = await runOnce(spec, warmupRequests);
  const requests = Math.max(10_000, Math.round(warm.rps * spec.durationS));
  spec.log?.(`  redis-benchmark ${spec.command[0]}: measuring ${requests} requests with ${spec.clients} clients`);
  const started = performance.now();
  const measured = await runOnce(spec, requests);
  const seconds = (performance.now() - started) / 1000;
  return {
    rps: { mean: round(measured.rps, 1), median: round(measured.rps, 1), samples: [round(measured.rps, 1)] },
    latencyMs: { p50: measured.p50, p90: measured.p95, p99: measured.p99, mean: measured.avg, max: measured.max },
    requests,
    seconds: round(seconds, 2),
    loadAverage1m: round(loadavg()[0], 2),
    command: measured.command,
  };
}

interface Csv {
  rps: number;
  avg: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  command: string;
}

async function runOnce(spec: RedisBenchmarkSpec, requests: number): Promise<Csv> {
  const url = new URL(spec.redisUrl);
  const db = url.pathname.replace(/^\//, '');
  const args = [
    '-h',
    url.hostname,
    '-p',
    url.port || '6379',
    ...(url.password ? ['-a', decodeURIComponent(url.password), '--no-auth-warning'] : []),
    ...(url.username && url.password ? ['--user', decodeURIComponent(url.username)] : []),
    ...(db ? ['--dbnum', db] : []),
    '-c',
    String(spec.clients),
    '-n',
    String(requests),
    '--csv',
    ...spec.command,
  ];
  const child = spawn(spec.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const forget = onExitKill(() => child.kill('SIGKILL'));
  const release = defer('redis-benchmark', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  try {
    const code = await withTimeout(exitOf(child), 120_000, 'redis-benchmark');
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    const line = output
      .split('\n')
      .map((text) => text.trim())
      .find((text) => text.startsWith('"') && !text.startsWith('"test"'));
    const fields = line?.split('","').map((field) => field.replace(/"/g, ''));
    if (code !== 0 || !fields || fields.length < 8 || /ERR|NOSCRIPT|WRONGTYPE/.test(output)) {
      throw new Error(`redis-benchmark failed (exit ${code}):\n${output.slice(-1_500)}`);
    }
    const [, rps, avg, , p50, p95, p99, max] = fields.map(Number);
    const shown = args.map((arg, index) => (args[index - 1] === '-a' ? '***' : arg));
    return { rps, avg, p50, p95, p99, max, command: `${spec.binary} ${shown.join(' ')}` };
  } finally {
    await release();
    forget();
  }
}

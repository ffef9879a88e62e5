import { Agent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuTimeMs } from './proc-cpu.js';
import { sampleRss } from './rss.js';
import { latencyOf, round, throughputOf, type Latency } from './stats.js';
import type { LoadResult } from './load.js';

export interface PacedTarget {
  title: string;
  url: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The body of request number n (0-based, over the warm-up and the measured run). */
  body: (n: number) => string;
  /** Called with every answer; `measured` is false during the warm-up. */
  onResponse?: (status: number, body: string, measured: boolean) => void;
  pid?: number;
}

const KEPT_SAMPLES = 5;
const LOOP_RESOLUTION_MS = 5;
/** Sockets of the keep-alive agent: requests beyond them wait for one (and that wait counts as latency). */
const MAX_SOCKETS = 64;

export interface PacedResult extends LoadResult {
  /**
   * From when a request was due to when it was written to its socket: the time it waited
   * for the bench (its event loop) and for a free connection (all MAX_SOCKETS busy).
   */
  sendDelayMs: Latency;
  /** The bench process's event-loop delay during the run (perf_hooks), ms. */
  benchEventLoopDelayMs: { p50: number; p99: number; max: number };
}

/**
 * Open loop at a steady rate: request n is due at start + n / rate, whatever happened to
 * the earlier ones (autocannon's `overallRate` instead lets every connection send its
 * quota for the second back to back at the start of each second: bursts of `rate`
 * requests, then silence). Latency counts from when a request was due, so a server that
 * falls behind is not flattered (no coordinated omission). A warm-up run first, discarded.
 */
export async function runPaced(
  target: PacedTarget,
  settings: { rate: number; durationS: number; warmupS: number; log?: (line: string) => void },
): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const url = new URL(target.url);
  let sent = 0;
  try {
    const once = async (durationS: number, measured: boolean) => {
      const latencies: number[] = [];
      const sendDelays: number[] = [];
      const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
      loopDelay.enable();
      const perSecond = new Array<number>(Math.max(1, Math.floor(durationS))).fill(0);
      const statusCodes: Record<string, number> = {};
      const non2xxSamples: Array<{ status: number; body: string }> = [];
      let ok = 0;
      let non2xx = 0;
      let errors = 0;
      let timeouts = 0;
      const inFlight = new Set<Promise<void>>();
      const cpuAtStart = target.pid === undefined ? undefined : cpuTimeMs(target.pid);
      const clientCpuAtStart = process.cpuUsage();
      const stopRss = sampleRss();
      const start = performance.now();
      const end = start + durationS * 1000;
      const interval = 1000 / settings.rate;

      const fire = (due: number) => {
        const body = target.body(sent++);
        const done = new Promise<void>((resolve) => {
          const request = httpRequest(
            {
              host: url.hostname,
              port: url.port,
              path: target.path,
              method: target.method,
              agent,
              headers: { ...target.headers, 'content-length': Buffer.byteLength(body) },
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () => {
                const at = performance.now();
                const status = response.statusCode ?? 0;
                const text = Buffer.concat(chunks).toString('utf8');
                latencies.push(at - due);
                statusCodes[status] = (statusCodes[status] ?? 0) + 1;
                if (status >= 200 && status <= 299) {
                  ok++;
                  const second = Math.floor((at - start) / 1000);
                  if (second < perSecond.length) perSecond[second]++;
                } else {
                  non2xx++;
                  if (non2xxSamples.length < KEPT_SAMPLES) non2xxSamples.push({ status, body: text.slice(0, 500) });
                }
                target.onResponse?.(status, text, measured);
                resolve();
              });
              response.on('error', () => {
                errors++;
                resolve();
              });
            },
          );
          request.setTimeout(10_000, () => {
            timeouts++;
            request.destroy(new Error('timeout'));
          });
          request.on('error', () => {
            errors++;
            resolve();
          });
          request.on('finish', () => sendDelays.push(performance.now() - due));
          request.end(body);
        });
        inFlight.add(done);
        void done.then(() => inFlight.delete(done));
      };

      let next = start;
      for (let now = performance.now(); now < end; now = performance.now()) {
        while (next <= now && next < end) {
          fire(next);
          next += interval;
        }
        await sleep(Math.max(0, Math.min(next, end) - performance.now()));
      }
      const sendingEnded = performance.now();
      await Promise.race([Promise.all(inFlight), sleep(15_000)]);
      const rss = stopRss();
      const cpuAtEnd = target.pid === undefined ? undefined : cpuTimeMs(target.pid);
      const clientCpu = process.cpuUsage(clientCpuAtStart);
      const windowMs = sendingEnded - start;
      loopDelay.disable();
      const result: PacedResult = {
        sendDelayMs: latencyOf(sendDelays),
        // The histogram holds whole timer intervals: the delay is what exceeds the resolution.
        benchEventLoopDelayMs: {
          p50: round(Math.max(0, loopDelay.percentile(50) / 1e6 - LOOP_RESOLUTION_MS), 2),
          p99: round(Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS), 2),
          max: round(Math.max(0, loopDelay.max / 1e6 - LOOP_RESOLUTION_MS), 2),
        },
        rps: throughputOf(perSecond),
        latencyMs: latencyOf(latencies),
        total: latencies.length,
        ok,
        non2xx,
        errors,
        timeouts,
        statusCodes,
        non2xxSamples,
        durationS: round(windowMs / 1000, 2),
        windows: [{ startMs: performance.timeOrigin + start, endMs: performance.timeOrigin + sendingEnded }],
        loadAverage1m: [round(loadavg()[0], 2)],
        serverCpuMsPerOk:
          cpuAtStart !== undefined && cpuAtEnd !== undefined ? round((cpuAtEnd - cpuAtStart) / Math.max(1, ok), 3) : undefined,
        clientCpuPercent: Math.round(((clientCpu.user + clientCpu.system) / 1000 / Math.max(1, windowMs)) * 100),
        rss,
      };
      return result;
    };
    if (settings.warmupS > 0) {
      settings.log?.(`  ${target.title}: warm-up ${settings.warmupS} s at ${settings.rate}/s (discarded)`);
      await once(settings.warmupS, false);
    }
    settings.log?.(`  ${target.title}: measuring ${settings.durationS} s at ${settings.rate} requests/s, paced`);
    return await once(settings.durationS, true);
  } finally {
    agent.destroy();
  }
}

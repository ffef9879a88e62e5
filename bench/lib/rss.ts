import { readFileSync } from 'node:fs';
import { median, round } from './stats.js';

/** Resident set size of a process, MB (VmRSS of /proc/<pid>/status); undefined off Linux or once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const SAMPLE_EVERY_MS = 250;
/** The processes whose RSS every load run samples (the shared write and read agents), by name. */
const tracked = new Map<string, number>();
/** Every sample of the run, per name, MB. */
const samplesOfRun = new Map<string, number[]>();

export function trackRss(name: string, pid: number): void {
  tracked.set(name, pid);
}

export interface RssSummary {
  maxMb: number;
  medianMb: number;
  samples: number;
}

function summarize(samples: number[]): RssSummary {
  return { maxMb: round(Math.max(...samples), 1), medianMb: round(median(samples), 1), samples: samples.length };
}

/**
 * Samples the tracked processes every 250 ms until the returned function is called; it
 * returns this window's summary per name (the samples are kept for the run's summary too).
 */
export function sampleRss(): () => Record<string, RssSummary> {
  const window = new Map<string, number[]>();
  const sample = () => {
    for (const [name, pid] of tracked) {
      const mb = rssMb(pid);
      if (mb === undefined) continue;
      window.set(name, [...(window.get(name) ?? []), mb]);
      samplesOfRun.set(name, [...(samplesOfRun.get(name) ?? []), mb]);
    }
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    return Object.fromEntries([...window].map(([name, samples]) => [name, summarize(samples)]));
  };
}

/** Over every load run so far, per tracked name. */
export function rssOfRun(): Record<string, RssSummary> {
  return Object.fromEntries([...samplesOfRun].filter(([, samples]) => samples.length > 0).map(([name, samples]) => [name, summarize(samples)]));
}

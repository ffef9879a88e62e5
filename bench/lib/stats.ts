/** Small, exact statistics over in-memory samples. */

export function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Nearest-rank percentile (p in 0..100) of values; sorts a copy unless `sorted`. */
export function percentile(values: number[], p: number, sorted = false): number {
  if (values.length === 0) return NaN;
  const ordered = sorted ? values : [...values].sort((a, b) => a - b);
  const rank = Math.min(ordered.length, Math.max(1, Math.ceil((p / 100) * ordered.length)));
  return ordered[rank - 1];
}

/** Median; the mean of the two middle values for an even count. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const ordered = [...values].sort((a, b) => a - b);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 === 1 ? ordered[middle] : (ordered[middle - 1] + ordered[middle]) / 2;
}

export function round(value: number, digits = 0): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export interface Throughput {
  /** Mean of the per-second samples. */
  mean: number;
  /** Median of the per-second samples: the number ratios are computed from. */
  median: number;
  /** The per-second samples themselves (whole seconds of the measured window). */
  samples: number[];
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

export function throughputOf(samples: number[]): Throughput {
  return { mean: round(mean(samples), 1), median: round(median(samples), 1), samples };
}

export function latencyOf(valuesMs: number[]): Latency {
  const ordered = [...valuesMs].sort((a, b) => a - b);
  return {
    p50: round(percentile(ordered, 50, true), 2),
    p90: round(percentile(ordered, 90, true), 2),
    p99: round(percentile(ordered, 99, true), 2),
    mean: round(mean(ordered), 2),
    max: round(ordered[ordered.length - 1] ?? NaN, 2),
  };
}

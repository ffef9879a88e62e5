import { collectDefaultMetrics, Histogram, register } from 'prom-client';

let defaultsCollected = false;

/** Process metrics, once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  collectDefaultMetrics();
  defaultsCollected = true;
}

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from request received to response sent',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

type RequestDuration = Histogram.Internal<'method' | 'route' | 'status_code'>;
const durationsByLabels = new Map<string, RequestDuration>();

/** The histogram child of one method, route and status: found by one lookup per request. */
export function requestDurationOf(method: string, route: string, status: number): RequestDuration {
  const key = `${method} ${status} ${route}`;
  let child = durationsByLabels.get(key);
  if (!child) {
    child = httpRequestDuration.labels({ method, route, status_code: String(status) });
    durationsByLabels.set(key, child);
  }
  return child;
}

export { register as metricsRegistry };

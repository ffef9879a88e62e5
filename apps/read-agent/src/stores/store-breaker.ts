import { Logger } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { Counter, Gauge } from 'prom-client';

const breakerState = new Gauge({
  name: 'cqrs_store_breaker_state',
  help: 'Circuit breaker of each store: 0 closed, 1 half-open (trying again), 2 open (skipped)',
  labelNames: ['store'] as const,
});

// Per store, where X-Data-Source only says "replica": shows which replica answers.
const storeAnswers = new Counter({
  name: 'cqrs_store_answers_total',
  help: 'Calls each store answered (through its breaker)',
  labelNames: ['store'] as const,
});

export interface BreakerPolicy {
  /** A call that takes longer fails; false: no limit (the caller's own timeouts bound it). */
  timeoutMs: number | false;
  /** How long an open breaker skips its store before it tries again. */
  resetMs: number;
  /** Open at the first failure, rather than once half of at least 3 calls have failed. */
  openOnFirstFailure: boolean;
  /** The window the failure share is taken over. */
  windowMs: number;
}

/**
 * The stores queries read: a slow store is skipped after 1 s, and retried 2 s after it
 * opened. The share of failures is that of the last 2 s: over opossum's default 10 s, the
 * thousands of answers before a replica stalled outweighed its timeouts (one per client
 * and second) for 9 s, each query waiting 1 s for it meanwhile. Not under 2 timeouts
 * either: a call that times out must still be in the window it was fired in, or its
 * failure comes with no fire beside it and stays below the volume threshold.
 */
const QUERY_STORE: BreakerPolicy = { timeoutMs: 1_000, resetMs: 2_000, openOnFirstFailure: false, windowMs: 2_000 };

/**
 * Redis as a query store: the same, without the breaker's own timer. Every Redis call
 * already fails after REDIS_COMMAND_TIMEOUT_MS (ioredis' commandTimeout, 500 ms by
 * default), and a second timer on each of the hottest reads was measurable cost.
 */
export const REDIS_QUERY_STORE: BreakerPolicy = { ...QUERY_STORE, timeoutMs: false };

/**
 * One store's opossum breaker: a store that keeps failing is skipped at once, so the next
 * store answers without waiting, and is tried again after the reset timeout. Each call
 * passes its own work, so one breaker covers every query of that store. Errors for which
 * `isFaultOfCaller` holds (a wrong query, not a store that is down) never open it.
 */
export class StoreBreaker {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private lastFailure = '';

  constructor(
    readonly store: string,
    isFaultOfCaller: (error: unknown) => boolean = () => false,
    policy: BreakerPolicy = QUERY_STORE,
  ) {
    this.breaker = new CircuitBreaker((work: () => Promise<unknown>) => work(), {
      name: store,
      timeout: policy.timeoutMs,
      errorThresholdPercentage: policy.openOnFirstFailure ? 0 : 50,
      resetTimeout: policy.resetMs,
      volumeThreshold: policy.openOnFirstFailure ? 1 : 3,
      errorFilter: isFaultOfCaller,
      rollingCountTimeout: policy.windowMs,
      rollingCountBuckets: 20,
      // Off: every call's latency would be kept for 10 s and the lot sorted each second
      // for a snapshot nobody reads (~120,000 numbers at 12,000 reads/s). Counts suffice.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    const logger = new Logger(`Store ${store}`);
    breakerState.set({ store }, 0);
    const answered = storeAnswers.labels({ store });
    answered.inc(0);
    this.breaker.on('success', () => answered.inc());
    this.breaker.on('failure', (error: Error) => (this.lastFailure = error.message));
    this.breaker.on('open', () => {
      breakerState.set({ store }, 2);
      logger.warn(`unavailable, skipped until it is tried again in ${policy.resetMs / 1000} s: ${this.lastFailure}`);
    });
    this.breaker.on('halfOpen', () => breakerState.set({ store }, 1));
    this.breaker.on('close', () => {
      breakerState.set({ store }, 0);
      logger.log('available again');
    });
  }

  /** True while the breaker is open: calls would be refused without trying. */
  get isOpen(): boolean {
    return this.breaker.opened;
  }

  call<T>(work: () => Promise<T>): Promise<T> {
    return this.breaker.fire(work) as Promise<T>;
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}

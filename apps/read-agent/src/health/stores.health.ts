import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { RedisConnection } from '@app/platform';
import { OldestOpenTransaction } from '../projector/oldest-open-transaction.js';
import { ProjectionProgress } from '../projector/projection-progress.js';
import { ProjectedViews } from '../stores/projected-views.js';
import type { DatabaseHealth } from '../stores/sql-store.js';
import { SqlStores } from '../stores/sql-stores.js';

const PROBE_TIMEOUT_MS = 1_500;

function within<T>(promise: Promise<T>, ms = PROBE_TIMEOUT_MS): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

/**
 * Readiness detail of every store. The agent serves while one database answers, so a
 * database that is down while another answers is `degraded`, not `down`; Redis is never
 * needed, so it is at worst `degraded`. Messages say what is wrong without naming hosts.
 */
@Injectable()
export class StoresHealth {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly stores: SqlStores,
    private readonly projections: ProjectedViews,
    private readonly redis: RedisConnection,
    private readonly progress: ProjectionProgress,
    private readonly oldest: OldestOpenTransaction,
  ) {}

  /** `primary`, `replica-0`, ...: up (with the replica's lag), degraded, or down when none answers. */
  async databases(): Promise<HealthIndicatorResult> {
    const probes = await Promise.all(
      this.stores.all.map(async (store) => {
        const health = await within(store.health()).catch(() => undefined);
        return { store, health };
      }),
    );
    const anyUp = probes.some((probe) => probe.health !== undefined);
    const results = probes.map(({ store, health }) => {
      const session = this.indicators.check(store.name);
      if (health) return session.up({ role: store.role, ...replicaDetail(health, store.role) });
      const message = `${store.role} unreachable or not answering`;
      return anyUp ? session.degraded({ role: store.role, message: `degraded: ${message}` }) : session.down({ role: store.role, message });
    });
    return Object.assign({}, ...results) as HealthIndicatorResult;
  }

  /** `redis`: up, or degraded (views are then computed from the databases). */
  async redisDetail(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('redis');
    const degraded = (why: string) => session.degraded({ message: `degraded: ${why}; views are computed from the databases` });
    const absence = this.projections.absence;
    if (absence) return degraded(absence);
    try {
      await within(this.redis.client!.ping());
      return session.up();
    } catch {
      return degraded('Redis is unreachable');
    }
  }

  /**
 * `projections`, when Redis is set: the projector's lag, and how long the reader has waited
 * behind the oldest open transaction (the usual cause of a growing lag).
 */
  async projectionsDetail(): Promise<HealthIndicatorResult> {
    if (this.projections.absence) return {};
    const session = this.indicators.check('projections');
    try {
      const [lagSeconds, eventsBehind, oldestTransactionAgeSeconds] = await within(
        Promise.all([this.progress.lagSeconds(), this.progress.eventsBehind(), this.oldest.ageSeconds()]),
      );
      return session.up({ lagSeconds, eventsBehind, oldestTransactionAgeSeconds });
    } catch {
      return session.degraded({ message: 'degraded: projection progress is unknown' });
    }
  }
}

function replicaDetail(health: DatabaseHealth, role: string) {
  return role === 'replica' ? { replicationLagSeconds: health.replicationLagSeconds } : {};
}

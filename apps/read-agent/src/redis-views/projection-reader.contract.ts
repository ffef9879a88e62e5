import type { LogPosition } from '@app/domain';
import type { AgentView, StatsView, TaskView } from '../read-model/views.js';

/**
 * What the query side needs from the projections, in one Redis round trip per read:
 * the view (null when Redis has no such view) and the checkpoint it reflects.
 * Rejects when Redis is unreachable (the caller's circuit breaker counts it).
 */
export abstract class ProjectionReader {
  abstract read(kind: 'agent', id: string): Promise<ProjectedRead<AgentView>>;
  abstract read(kind: 'task', id: string): Promise<ProjectedRead<TaskView>>;
  abstract read(kind: 'stats'): Promise<ProjectedRead<StatsView>>;
}

export interface ProjectedRead<T> {
  /** Null when no generation has been built yet or the view does not exist. */
  view: T | null;
  /** Null when nothing has been projected yet. */
  checkpoint: LogPosition | null;
}

/** The projector's progress, for readiness detail and metrics. */
export abstract class ProjectionStatus {
  /** Seconds between now and occurredAt of the last applied event; 0 when caught up and idle. */
  abstract lagSeconds(): Promise<number>;
  /** Events committed in the log and not yet applied. */
  abstract eventsBehind(): Promise<number>;
}

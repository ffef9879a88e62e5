import type { DomainEvent } from '@app/domain';
import type { StateChange } from './command-writer.js';

/** How one aggregate type's state is folded and written. */
export interface AggregatePersistence<S, E extends DomainEvent> {
  readonly type: 'agent' | 'task';
  evolve(state: S | null, event: E): S;
  insert(after: S): StateChange;
  update(before: S, after: S): StateChange;
  /** The domain error for a unique constraint this aggregate's writes can hit. */
  uniqueViolation(constraint: string, after: S): Error | undefined;
}

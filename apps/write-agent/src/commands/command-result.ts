import type { AggregateType } from '@app/domain';

/** What a command did, in domain terms: the edge turns it into an HTTP answer. */
export interface CommandResult {
  readonly id: string;
  readonly revision: number;
  /** The consistency token of the appended events. */
  readonly position: string;
  /** True when the command created the aggregate. */
  readonly created: boolean;
  readonly aggregateType: AggregateType;
}

import { Query } from '@nestjs/cqrs';
import type { LogPosition } from '@app/domain';
import type { AggregateType } from '../../read-model/history.sql.js';
import type { Sourced } from '../../stores/read-source.js';
import type { HistoryEvent } from '../../read-model/views.js';

/** The aggregate's own events in revision order; null when it has none (404). */
export class GetHistoryQuery extends Query<Sourced<HistoryEvent[] | null>> {
  constructor(
    readonly aggregateType: AggregateType,
    readonly id: string,
    readonly minPosition: LogPosition | undefined,
  ) {
    super();
  }
}

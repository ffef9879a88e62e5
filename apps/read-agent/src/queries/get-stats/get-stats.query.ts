import { Query } from '@nestjs/cqrs';
import type { LogPosition } from '@app/domain';
import type { Sourced } from '../../stores/read-source.js';
import type { StatsView } from '../../read-model/views.js';

export class GetStatsQuery extends Query<Sourced<StatsView>> {
  constructor(readonly minPosition: LogPosition | undefined) {
    super();
  }
}

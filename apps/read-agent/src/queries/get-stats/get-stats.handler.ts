import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { computeStats } from '../../read-model/stats.sql.js';
import { ReadRouter } from '../../stores/read-router.js';
import type { Sourced } from '../../stores/read-source.js';
import type { StatsView } from '../../read-model/views.js';
import { GetStatsQuery } from './get-stats.query.js';

@QueryHandler(GetStatsQuery)
export class GetStatsHandler implements IQueryHandler<GetStatsQuery> {
  constructor(private readonly router: ReadRouter) {}

  // Computing never finds nothing, so the answer is never null.
  execute({ minPosition }: GetStatsQuery) {
    return this.router.view((redis) => redis.read('stats'), computeStats, minPosition) as Promise<Sourced<StatsView>>;
  }
}

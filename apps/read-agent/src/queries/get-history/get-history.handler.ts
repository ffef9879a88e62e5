import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { historyOf } from '../../read-model/history.sql.js';
import { ReadRouter } from '../../stores/read-router.js';
import { GetHistoryQuery } from './get-history.query.js';

@QueryHandler(GetHistoryQuery)
export class GetHistoryHandler implements IQueryHandler<GetHistoryQuery> {
  constructor(private readonly router: ReadRouter) {}

  execute({ aggregateType, id, minPosition }: GetHistoryQuery) {
    return this.router.fromDatabases((db) => historyOf(db, aggregateType, id), minPosition);
  }
}

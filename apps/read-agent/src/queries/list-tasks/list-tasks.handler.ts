import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { listTasks } from '../../read-model/task-views.sql.js';
import { ReadRouter } from '../../stores/read-router.js';
import { ListTasksQuery } from './list-tasks.query.js';

@QueryHandler(ListTasksQuery)
export class ListTasksHandler implements IQueryHandler<ListTasksQuery> {
  constructor(private readonly router: ReadRouter) {}

  execute({ filter, page, minPosition }: ListTasksQuery) {
    return this.router.fromDatabases((db) => listTasks(db, filter, page), minPosition);
  }
}

import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { findTask } from '../../read-model/task-views.sql.js';
import { ReadRouter } from '../../stores/read-router.js';
import { GetTaskQuery } from './get-task.query.js';

@QueryHandler(GetTaskQuery)
export class GetTaskHandler implements IQueryHandler<GetTaskQuery> {
  constructor(private readonly router: ReadRouter) {}

  execute({ id, minPosition }: GetTaskQuery) {
    return this.router.view((redis) => redis.read('task', id), (db) => findTask(db, id), minPosition);
  }
}

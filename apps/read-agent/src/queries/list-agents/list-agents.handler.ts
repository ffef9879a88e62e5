import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { listAgents } from '../../read-model/agent-views.sql.js';
import { ReadRouter } from '../../stores/read-router.js';
import { ListAgentsQuery } from './list-agents.query.js';

@QueryHandler(ListAgentsQuery)
export class ListAgentsHandler implements IQueryHandler<ListAgentsQuery> {
  constructor(private readonly router: ReadRouter) {}

  execute({ status, page, minPosition }: ListAgentsQuery) {
    return this.router.fromDatabases((db) => listAgents(db, status, page), minPosition);
  }
}

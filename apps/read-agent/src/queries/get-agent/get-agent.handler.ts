import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { findAgent } from '../../read-model/agent-views.sql.js';
import { ReadRouter } from '../../stores/read-router.js';
import { GetAgentQuery } from './get-agent.query.js';

@QueryHandler(GetAgentQuery)
export class GetAgentHandler implements IQueryHandler<GetAgentQuery> {
  constructor(private readonly router: ReadRouter) {}

  execute({ id, minPosition }: GetAgentQuery) {
    return this.router.view((redis) => redis.read('agent', id), (db) => findAgent(db, id), minPosition);
  }
}

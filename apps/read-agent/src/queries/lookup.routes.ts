import { Injectable, type OnModuleInit } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { DirectRoutes } from '@app/platform';
import { agentEtag, statsEtag, taskEtag } from '../http/etags.js';
import { answer, answerFound } from '../http/query-answer.js';
import { idParameter, minPositionOf, refuseQueryParameters } from '../http/query-input.js';
import { queryOperation } from '../http/query-operation.js';
import { AgentViewSchema, StatsSchema, TaskViewSchema } from '../http/view-schemas.js';
import { GetAgentQuery } from './get-agent/get-agent.query.js';
import { GetStatsQuery } from './get-stats/get-stats.query.js';
import { GetTaskQuery } from './get-task/get-task.query.js';

/**
 * GetAgent, GetTask and GetStats: one view each, read from Redis, the hottest queries.
 * They are direct Fastify routes rather than Nest controller routes (docs/adr/0002): same
 * token check, rate limit, errors, logs and metrics, without the router's per-request cost.
 * Input checks run in the order of a Nest route: path, query string, then headers.
 */
@Injectable()
export class SingleViewRoutes implements OnModuleInit {
  constructor(
    private readonly routes: DirectRoutes,
    private readonly queryBus: QueryBus,
  ) {}

  onModuleInit(): void {
    this.routes.get({
      url: '/agents/:id',
      scope: 'queries:read',
      openApi: queryOperation('agents', 'GetAgent: an agent with its task counts', AgentViewSchema, { byId: true }),
      handle: async (request, reply) => {
        const id = idParameter(request);
        refuseQueryParameters(request);
        const agent = await this.queryBus.execute(new GetAgentQuery(id, minPositionOf(request)));
        return answerFound(request, reply, agent, agentEtag, `No agent has the id ${id}.`);
      },
    });
    this.routes.get({
      url: '/tasks/:id',
      scope: 'queries:read',
      openApi: queryOperation('tasks', 'GetTask: a task; its ETag is its revision', TaskViewSchema, { byId: true }),
      handle: async (request, reply) => {
        const id = idParameter(request);
        refuseQueryParameters(request);
        const task = await this.queryBus.execute(new GetTaskQuery(id, minPositionOf(request)));
        return answerFound(request, reply, task, taskEtag, `No task has the id ${id}.`);
      },
    });
    this.routes.get({
      url: '/stats',
      scope: 'queries:read',
      openApi: queryOperation('stats', 'GetStats: agents and tasks counted by status', StatsSchema),
      handle: async (request, reply) => {
        refuseQueryParameters(request);
        const stats = await this.queryBus.execute(new GetStatsQuery(minPositionOf(request)));
        return answer(request, reply, stats, statsEtag);
      },
    });
  }
}

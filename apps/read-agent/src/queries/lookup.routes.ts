import { Injectable, type OnModuleInit } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyRequest } from 'fastify';
import { DirectRoutes } from '@app/platform';
import type { AggregateType } from '../read-model/history.sql.js';
import { agentEtag, contentEtag, statsEtag, taskEtag } from '../http/etags.js';
import { answer, answerFound } from '../http/query-answer.js';
import { idParameter, minPositionOf, refuseQueryParameters } from '../http/query-input.js';
import { queryOperation } from '../http/query-operation.js';
import { AgentViewSchema, HistorySchema, StatsSchema, TaskViewSchema } from '../http/view-schemas.js';
import { GetAgentQuery } from './get-agent/get-agent.query.js';
import { GetHistoryQuery } from './get-history/get-history.query.js';
import { GetStatsQuery } from './get-stats/get-stats.query.js';
import { GetTaskQuery } from './get-task/get-task.query.js';

/** The input of a lookup, checked in the order of a Nest route: path, query string, headers. */
function lookupInput(request: FastifyRequest) {
  const id = idParameter(request);
  refuseQueryParameters(request);
  return { id, minPosition: minPositionOf(request) };
}

/**
 * The lookups: a view or a history by id, and the stats. They take no query parameters,
 * so they need no DTO validation, and the three views are the hottest reads (from Redis):
 * they are direct Fastify routes rather than Nest controller routes (docs/adr/0002), with
 * the same token check, rate limit, errors, logs and metrics, on the same QueryBus.
 */
@Injectable()
export class LookupRoutes implements OnModuleInit {
  constructor(
    private readonly routes: DirectRoutes,
    private readonly queryBus: QueryBus,
  ) {}

  onModuleInit(): void {
    this.routes.get({
      url: '/agents/:id',
      scope: 'queries:read',
      openApi: queryOperation('getAgent', 'agents', 'GetAgent: an agent with its task counts', AgentViewSchema, { byId: true }),
      handle: async (request, reply) => {
        const { id, minPosition } = lookupInput(request);
        const agent = await this.queryBus.execute(new GetAgentQuery(id, minPosition));
        return answerFound(request, reply, agent, agentEtag, `No agent has the id ${id}.`);
      },
    });
    this.routes.get({
      url: '/tasks/:id',
      scope: 'queries:read',
      openApi: queryOperation('getTask', 'tasks', 'GetTask: a task; its ETag is its revision', TaskViewSchema, { byId: true }),
      handle: async (request, reply) => {
        const { id, minPosition } = lookupInput(request);
        const task = await this.queryBus.execute(new GetTaskQuery(id, minPosition));
        return answerFound(request, reply, task, taskEtag, `No task has the id ${id}.`);
      },
    });
    this.routes.get({
      url: '/stats',
      scope: 'queries:read',
      openApi: queryOperation('getStats', 'stats', 'GetStats: agents and tasks counted by status', StatsSchema),
      handle: async (request, reply) => {
        refuseQueryParameters(request);
        const stats = await this.queryBus.execute(new GetStatsQuery(minPositionOf(request)));
        return answer(request, reply, stats, statsEtag);
      },
    });
    this.history('agent', 'getAgentHistory', "GetHistory: the agent's own events in revision order");
    this.history('task', 'getTaskHistory', "GetHistory: the task's events in revision order");
  }

  private history(kind: AggregateType, operationId: string, summary: string): void {
    this.routes.get({
      url: `/${kind}s/:id/history`,
      scope: 'queries:read',
      openApi: queryOperation(operationId, `${kind}s`, summary, HistorySchema, { byId: true }),
      handle: async (request, reply) => {
        const { id, minPosition } = lookupInput(request);
        const { value, source } = await this.queryBus.execute(new GetHistoryQuery(kind, id, minPosition));
        return answerFound(request, reply, { value: value && { items: value }, source }, contentEtag, `No ${kind} has the id ${id}.`);
      },
    });
  }
}

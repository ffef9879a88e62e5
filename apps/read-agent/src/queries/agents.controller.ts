import { Controller, Get, Param, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LogPosition } from '@app/domain';
import { ParseIdPipe, RequiredScope } from '@app/platform';
import { contentEtag } from '../http/etags.js';
import { MinPosition } from '../http/min-position.decorator.js';
import { NoQueryDto } from '../http/no-query.dto.js';
import { pageRequestOf } from '../http/page-query.dto.js';
import { answer, answerFound } from '../http/query-answer.js';
import { QueryRoute } from '../http/query-route.decorator.js';
import { ReservedQueryKeysInterceptor } from '../http/reserved-query-keys.interceptor.js';
import { AgentPageSchema, HistorySchema } from '../http/view-schemas.js';
import { GetHistoryQuery } from './get-history/get-history.query.js';
import { ListAgentsDto } from './list-agents/list-agents.dto.js';
import { ListAgentsQuery } from './list-agents/list-agents.query.js';

type Reply = FastifyReply;

@ApiTags('agents')
@ApiBearerAuth()
@RequiredScope('queries:read')
@UseInterceptors(ReservedQueryKeysInterceptor)
@Controller('agents')
export class AgentsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @QueryRoute('ListAgents: agents newest first, by status, a page at a time', AgentPageSchema)
  async list(
    @Query() query: ListAgentsDto,
    @MinPosition() minPosition: LogPosition | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const page = await this.queryBus.execute(new ListAgentsQuery(query.status, pageRequestOf(query), minPosition));
    return answer(request, reply, page, contentEtag);
  }

  @Get(':id/history')
  @QueryRoute("GetHistory: the agent's own events in revision order", HistorySchema, { byId: true })
  async history(
    @Param('id', ParseIdPipe) id: string,
    @Query() _query: NoQueryDto,
    @MinPosition() minPosition: LogPosition | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const { value, source } = await this.queryBus.execute(new GetHistoryQuery('agent', id, minPosition));
    const history = { value: value && { items: value }, source };
    return answerFound(request, reply, history, contentEtag, `No agent has the id ${id}.`);
  }
}

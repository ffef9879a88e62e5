import { Controller, Get, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LogPosition } from '@app/domain';
import { RequiredScope } from '@app/platform';
import { contentEtag } from '../http/etags.js';
import { MinPosition } from '../http/min-position.decorator.js';
import { pageRequestOf } from '../http/page-query.dto.js';
import { answer } from '../http/query-answer.js';
import { QueryRoute } from '../http/query-route.decorator.js';
import { ReservedQueryKeysInterceptor } from '../http/reserved-query-keys.interceptor.js';
import { AgentPageSchema } from '../http/view-schemas.js';
import { ListAgentsDto } from './list-agents/list-agents.dto.js';
import { ListAgentsQuery } from './list-agents/list-agents.query.js';

/** ListAgents, whose query parameters the ValidationPipe checks; the lookups are in lookup.routes.ts. */
@ApiTags('agents')
@ApiBearerAuth()
@RequiredScope('queries:read')
@UseInterceptors(ReservedQueryKeysInterceptor)
@Controller('agents')
export class AgentsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @QueryRoute('listAgents', 'ListAgents: agents newest first, by status, a page at a time', AgentPageSchema)
  async list(
    @Query() query: ListAgentsDto,
    @MinPosition() minPosition: LogPosition | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queryBus.execute(new ListAgentsQuery(query.status, pageRequestOf(query), minPosition));
    return answer(request, reply, page, contentEtag);
  }
}

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
import { HistorySchema, TaskPageSchema } from '../http/view-schemas.js';
import { GetHistoryQuery } from './get-history/get-history.query.js';
import { ListTasksDto } from './list-tasks/list-tasks.dto.js';
import { ListTasksQuery } from './list-tasks/list-tasks.query.js';

type Reply = FastifyReply;

@ApiTags('tasks')
@ApiBearerAuth()
@RequiredScope('queries:read')
@UseInterceptors(ReservedQueryKeysInterceptor)
@Controller('tasks')
export class TasksController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @QueryRoute('ListTasks: tasks newest first, by agent, status and/or type, a page at a time', TaskPageSchema)
  async list(
    @Query() query: ListTasksDto,
    @MinPosition() minPosition: LogPosition | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const { agentId, status, type } = query;
    const page = await this.queryBus.execute(new ListTasksQuery({ agentId, status, type }, pageRequestOf(query), minPosition));
    return answer(request, reply, page, contentEtag);
  }

  @Get(':id/history')
  @QueryRoute("GetHistory: the task's events in revision order", HistorySchema, { byId: true })
  async history(
    @Param('id', ParseIdPipe) id: string,
    @Query() _query: NoQueryDto,
    @MinPosition() minPosition: LogPosition | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const { value, source } = await this.queryBus.execute(new GetHistoryQuery('task', id, minPosition));
    const history = { value: value && { items: value }, source };
    return answerFound(request, reply, history, contentEtag, `No task has the id ${id}.`);
  }
}

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
import { TaskPageSchema } from '../http/view-schemas.js';
import { ListTasksDto } from './list-tasks/list-tasks.dto.js';
import { ListTasksQuery } from './list-tasks/list-tasks.query.js';

/** ListTasks, whose query parameters the ValidationPipe checks; the lookups are in lookup.routes.ts. */
@ApiTags('tasks')
@ApiBearerAuth()
@RequiredScope('queries:read')
@UseInterceptors(ReservedQueryKeysInterceptor)
@Controller('tasks')
export class TasksController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @QueryRoute('listTasks', 'ListTasks: tasks newest first, by agent, status and/or type, a page at a time', TaskPageSchema)
  async list(
    @Query() query: ListTasksDto,
    @MinPosition() minPosition: LogPosition | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { agentId, status, type } = query;
    const page = await this.queryBus.execute(new ListTasksQuery({ agentId, status, type }, pageRequestOf(query), minPosition));
    return answer(request, reply, page, contentEtag);
  }
}

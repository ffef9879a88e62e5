import { Controller, Get, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LogPosition } from '@app/domain';
import { RequiredScope } from '@app/platform';
import { statsEtag } from '../http/etags.js';
import { MinPosition } from '../http/min-position.decorator.js';
import { NoQueryDto } from '../http/no-query.dto.js';
import { answer } from '../http/query-answer.js';
import { QueryRoute } from '../http/query-route.decorator.js';
import { ReservedQueryKeysInterceptor } from '../http/reserved-query-keys.interceptor.js';
import { StatsSchema } from '../http/view-schemas.js';
import { GetStatsQuery } from './get-stats/get-stats.query.js';

@ApiTags('stats')
@ApiBearerAuth()
@RequiredScope('queries:read')
@UseInterceptors(ReservedQueryKeysInterceptor)
@Controller('stats')
export class StatsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @QueryRoute('GetStats: agents and tasks counted by status', StatsSchema)
  async get(
    @Query() _query: NoQueryDto,
    @MinPosition() minPosition: LogPosition | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const stats = await this.queryBus.execute(new GetStatsQuery(minPosition));
    return answer(request, reply, stats, statsEtag);
  }
}

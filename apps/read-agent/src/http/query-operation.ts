import { getSchemaPath, type OperationObject } from '@nestjs/swagger';
import { problemResponse, ProblemSchema } from '@app/platform';
import { ANSWER_HEADERS, IF_NONE_MATCH_HEADER, MIN_POSITION_HEADER, NOT_MODIFIED, problemStatuses } from './query-route.decorator.js';

/**
 * The OpenAPI entry of a query served by a direct route: what @QueryRoute, @ApiTags,
 * @ApiBearerAuth and @Param('id') give a Nest route. The operation id is the query's name.
 */
export function queryOperation(operationId: string, tag: string, summary: string, answer: Function, options: { byId?: boolean } = {}) {
  const byId = options.byId ?? false;
  const header = (spec: typeof MIN_POSITION_HEADER) => ({ ...spec, in: 'header' as const, schema: { type: 'string' as const } });
  const operation: OperationObject = {
    operationId,
    tags: [tag],
    summary,
    security: [{ bearer: [] }],
    parameters: [
      ...(byId ? [{ name: 'id', in: 'path' as const, required: true, schema: { type: 'string' as const, format: 'uuid' } }] : []),
      header(MIN_POSITION_HEADER),
      header(IF_NONE_MATCH_HEADER),
    ],
    responses: {
      200: { description: '', headers: ANSWER_HEADERS, content: { 'application/json': { schema: { $ref: getSchemaPath(answer) } } } },
      304: NOT_MODIFIED,
      ...Object.fromEntries(problemStatuses(byId).map((status) => [status, problemResponse(status)])),
    },
  };
  return { operation, models: [answer, ProblemSchema] };
}

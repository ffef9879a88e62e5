import { applyDecorators, type Type } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiProblems } from '@app/platform';

export const MIN_POSITION_HEADER = {
  name: 'X-Min-Position',
  required: false,
  description: 'A position from a command answer: answer only from data that reflects it (wait up to READ_WAIT_MS, else 503)',
};
export const IF_NONE_MATCH_HEADER = {
  name: 'If-None-Match',
  required: false,
  description: 'An ETag of an earlier answer: 304 while it still matches',
};
export const ANSWER_HEADERS = {
  'X-Data-Source': { description: 'Where the answer was read', schema: { type: 'string', enum: ['redis', 'replica', 'primary'] } },
  ETag: { description: 'Changes whenever the answer does', schema: { type: 'string' } },
};
export const NOT_MODIFIED = { description: 'Not modified (If-None-Match matched); no body', headers: ANSWER_HEADERS };
export const problemStatuses = (byId: boolean) => (byId ? [400, 401, 403, 404, 409, 429, 503] : [400, 401, 403, 409, 429, 503]);

/** OpenAPI of a query route: its operation id (the query's name), answer, 304, and problem answers. */
export function QueryRoute(operationId: string, summary: string, type: Type<unknown>, options: { byId?: boolean } = {}) {
  return applyDecorators(
    ApiOperation({ operationId, summary }),
    ApiHeader(MIN_POSITION_HEADER),
    ApiHeader(IF_NONE_MATCH_HEADER),
    ApiOkResponse({ type, headers: ANSWER_HEADERS }),
    ApiResponse({ status: 304, ...NOT_MODIFIED }),
    ApiProblems(...problemStatuses(options.byId ?? false)),
  );
}

import { applyDecorators, type Type } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiProblems } from '@app/platform';

const MIN_POSITION = ApiHeader({
  name: 'X-Min-Position',
  required: false,
  description: 'A position from a command answer: answer only from data that reflects it (wait up to READ_WAIT_MS, else 503)',
});
const IF_NONE_MATCH = ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag of an earlier answer: 304 while it still matches' });
const ANSWER_HEADERS = {
  'X-Data-Source': { description: 'Where the answer was read', schema: { type: 'string', enum: ['redis', 'replica', 'primary'] } },
  ETag: { description: 'Changes whenever the answer does', schema: { type: 'string' } },
};

/** OpenAPI of a query route: its answer, 304, and its problem answers. */
export function QueryRoute(summary: string, type: Type<unknown>, options: { byId?: boolean } = {}) {
  return applyDecorators(
    ApiOperation({ summary }),
    MIN_POSITION,
    IF_NONE_MATCH,
    ApiOkResponse({ type, headers: ANSWER_HEADERS }),
    ApiResponse({ status: 304, description: 'Not modified (If-None-Match matched); no body', headers: ANSWER_HEADERS }),
    options.byId ? ApiProblems(400, 401, 403, 404, 429, 503) : ApiProblems(400, 401, 403, 429, 503),
  );
}

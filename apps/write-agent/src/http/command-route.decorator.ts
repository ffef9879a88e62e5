import { applyDecorators, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '@app/platform';
import { CommandAnswer } from './command-answer.dto.js';

const IF_MATCH = ApiHeader({ name: 'If-Match', required: false, description: 'Apply only at this revision, e.g. "3" (else 412)' });
const IDEMPOTENCY_KEY = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description: '1..255 chars; a repeated request returns the first answer without running again',
});

/** OpenAPI for a command that changes an existing aggregate (200). */
export function ChangeCommand(summary: string, ...problems: number[]) {
  return applyDecorators(
    ApiOperation({ summary }),
    IF_MATCH,
    IDEMPOTENCY_KEY,
    ApiOkResponse({ type: CommandAnswer, description: 'Applied; ETag holds the new revision' }),
    ApiProblems(400, 401, 403, 404, 409, 412, 413, 422, 429, ...problems),
  );
}

/** A POST command that changes an existing aggregate. */
export function PostChangeCommand(path: string, summary: string) {
  return applyDecorators(Post(path), HttpCode(200), ChangeCommand(summary));
}

/** OpenAPI for a command that creates an aggregate (201 with Location). */
export function CreateCommand(summary: string) {
  return applyDecorators(
    ApiOperation({ summary }),
    IDEMPOTENCY_KEY,
    ApiCreatedResponse({ type: CommandAnswer, description: 'Created; Location and ETag are set' }),
    ApiProblems(400, 401, 403, 409, 413, 422, 429),
  );
}

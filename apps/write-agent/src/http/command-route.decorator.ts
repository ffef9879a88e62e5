import { applyDecorators, HttpCode, Patch, Post, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, type HeadersObject } from '@nestjs/swagger';
import { ApiProblems } from '@app/platform';
import type { CommandType } from '../commands/command-type.js';
import { CommandAnswer } from './command-answer.dto.js';
import { CommandInterceptor } from './command.interceptor.js';
import { RunsCommand } from './command-type.metadata.js';

const REQUEST_HEADERS = [
  ApiHeader({
    name: 'If-Match',
    required: false,
    schema: { type: 'string', pattern: '^"\\d{1,9}"$', example: '"3"' },
    description: 'Apply only at this revision, else 412 and nothing changes; a command that creates ignores it',
  }),
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    schema: { type: 'string', minLength: 1, maxLength: 255 },
    description: 'Per token subject: a repeat with the same method, path and body gets the first answer without running again',
  }),
  ApiHeader({
    name: 'X-Request-Id',
    required: false,
    schema: { type: 'string', minLength: 1, maxLength: 128 },
    description: 'Echoed, logged and kept in the event metadata; one is generated when absent or not 1..128 printable characters',
  }),
];

const string = { schema: { type: 'string' } } as const;
const RESPONSE_HEADERS: HeadersObject = {
  ETag: { ...string, description: 'The new revision as a strong ETag, e.g. "3"' },
  'X-Request-Id': { ...string, description: 'The request id' },
  'Idempotent-Replayed': { ...string, description: '"true" when this is the stored answer of an earlier request with the Idempotency-Key' },
};

/** camelCase of the command name: RegisterAgent -> registerAgent. */
const operationIdOf = (command: CommandType) => command.type[0].toLowerCase() + command.type.slice(1);

function commandRoute(command: CommandType, description: string) {
  return applyDecorators(
    RunsCommand(command),
    UseInterceptors(CommandInterceptor),
    ApiOperation({ operationId: operationIdOf(command), summary: `${command.type}: ${description}` }),
    ...REQUEST_HEADERS,
  );
}

/** A POST that creates an aggregate: 201 with Location. */
export function CreateCommand(command: CommandType, description: string) {
  return applyDecorators(
    Post(),
    commandRoute(command, description),
    ApiCreatedResponse({
      type: CommandAnswer,
      description: 'Created; Location and ETag are set',
      headers: { ...RESPONSE_HEADERS, Location: { ...string, description: 'The path of the new aggregate, e.g. /agents/{id}' } },
    }),
    ApiProblems(400, 401, 403, 409, 413, 422, 429),
  );
}

function changeCommand(command: CommandType, description: string) {
  return applyDecorators(
    commandRoute(command, description),
    ApiOkResponse({ type: CommandAnswer, description: 'Applied; ETag holds the new revision', headers: RESPONSE_HEADERS }),
    ApiProblems(400, 401, 403, 404, 409, 412, 413, 422, 429),
  );
}

/** A PATCH that changes an existing aggregate (200). */
export function PatchCommand(path: string, command: CommandType, description: string) {
  return applyDecorators(Patch(path), changeCommand(command, description));
}

/** A POST that changes an existing aggregate (200). */
export function PostCommand(path: string, command: CommandType, description: string) {
  return applyDecorators(Post(path), HttpCode(200), changeCommand(command, description));
}

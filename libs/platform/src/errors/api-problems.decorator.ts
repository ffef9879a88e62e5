import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

class FieldProblemSchema {
  @ApiProperty() field: string;
  @ApiProperty() message: string;
}

/** RFC 9457 problem details, for the OpenAPI document. */
export class ProblemSchema {
  @ApiProperty({ example: 'urn:problem:validation-failed' }) type: string;
  @ApiProperty({ example: 'Bad Request' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty() detail: string;
  @ApiPropertyOptional({ type: [FieldProblemSchema] }) errors?: FieldProblemSchema[];
}

const DESCRIPTIONS: Record<number, string> = {
  304: 'Not modified (If-None-Match matched)',
  400: 'Invalid body, path, query or header: `errors` lists every invalid field',
  401: 'Missing, invalid or expired bearer token',
  403: 'The token lacks the required scope',
  404: 'No aggregate with this id',
  409: 'Refused by a rule of the current state (the detail names it)',
  412: 'If-Match does not match the current revision',
  413: 'Body over 64 KiB',
  422: 'Refers to something that does not exist, or Idempotency-Key reused with another request',
  429: 'Rate limit reached; see Retry-After',
  503: 'Not available yet; see Retry-After',
};

/** The OpenAPI response of a problem+json answer (ProblemSchema must be in the document). */
export function problemResponse(status: number) {
  return {
    description: DESCRIPTIONS[status],
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
  };
}

/** Documents the problem+json answers a route can give. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemSchema),
    ...statuses.map((status) => ApiResponse({ status, ...problemResponse(status) })),
  );
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { IsPlainObject, RawJsonField, JsLength, LowerCaseUuid, Optional } from '@app/platform';
import { MAX_TASK_TIMEOUT_SECONDS, type JsonObject } from '@app/domain';

export class SubmitTaskDto {
  @ApiProperty({ format: 'uuid' })
  @LowerCaseUuid()
  agentId: string;

  @ApiProperty({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._:-]*$', example: 'crawl.page' })
  @JsLength(1, 100)
  @Matches(/^[a-z0-9][a-z0-9._:-]*$/, { message: 'type must start with a-z or 0-9 and hold only a-z, 0-9, ".", "_", ":", "-"' })
  type: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Defaults to {}; the whole body is at most 64 KiB' })
  @Optional()
  @RawJsonField()
  @IsPlainObject()
  payload?: JsonObject;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_TASK_TIMEOUT_SECONDS,
    description: 'Seconds the task may run once started; past that the write agent fails it (`timed out after N s`). Absent: no deadline',
  })
  @Optional()
  @IsInt({ message: `timeoutSeconds must be a whole number of seconds (1..${MAX_TASK_TIMEOUT_SECONDS})` })
  @Min(1, { message: `timeoutSeconds must be a whole number of seconds (1..${MAX_TASK_TIMEOUT_SECONDS})` })
  @Max(MAX_TASK_TIMEOUT_SECONDS, { message: `timeoutSeconds must be a whole number of seconds (1..${MAX_TASK_TIMEOUT_SECONDS})` })
  timeoutSeconds?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'Client-chosen id; generated when absent' })
  @Optional()
  @LowerCaseUuid()
  id?: string;
}

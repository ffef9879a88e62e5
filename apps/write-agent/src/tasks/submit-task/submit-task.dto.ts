import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { IsPlainObject, RawJsonField, JsLength, LowerCaseUuid, Optional } from '@app/platform';
import type { JsonObject } from '@app/domain';

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

  @ApiPropertyOptional({ format: 'uuid', description: 'Client-chosen id; generated when absent' })
  @Optional()
  @LowerCaseUuid()
  id?: string;
}

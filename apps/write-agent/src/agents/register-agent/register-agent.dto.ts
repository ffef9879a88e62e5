import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsPlainObject, RawJsonField, JsLength, LowerCaseUuid, MaxJsonBytes, Optional } from '@app/platform';
import type { JsonObject } from '@app/domain';

export class RegisterAgentDto {
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'crawler-eu-1' })
  @JsLength(1, 255)
  name: string;

  @ApiProperty({ minLength: 1, maxLength: 50, example: '1.4.2' })
  @JsLength(1, 50)
  version: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 32 KiB of JSON; defaults to {}' })
  @Optional()
  @RawJsonField()
  @IsPlainObject()
  @MaxJsonBytes(32 * 1024)
  config?: JsonObject;

  @ApiPropertyOptional({ format: 'uuid', description: 'Client-chosen id; generated when absent' })
  @Optional()
  @LowerCaseUuid()
  id?: string;
}

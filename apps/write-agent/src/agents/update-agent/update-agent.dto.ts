import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsPlainObject, RawJsonField, JsLength, MaxJsonBytes, Optional } from '@app/platform';
import type { JsonObject } from '@app/domain';

/** Each field given replaces the agent's (config whole); at least one is required. */
export class UpdateAgentDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 255 })
  @Optional()
  @JsLength(1, 255)
  name?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 50 })
  @Optional()
  @JsLength(1, 50)
  version?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 32 KiB of JSON' })
  @Optional()
  @RawJsonField()
  @IsPlainObject()
  @MaxJsonBytes(32 * 1024)
  config?: JsonObject;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsPlainObject, RawJsonField, Optional } from '@app/platform';
import type { JsonObject } from '@app/domain';

export class CompleteTaskDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Kept as the task result; null when absent' })
  @Optional()
  @RawJsonField()
  @IsPlainObject()
  result?: JsonObject;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsPlainObject } from '@app/platform';
import type { JsonObject } from '@app/domain';

export class CompleteTaskDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Kept as the task result; null when absent' })
  @IsOptional()
  @IsPlainObject()
  result?: JsonObject;
}

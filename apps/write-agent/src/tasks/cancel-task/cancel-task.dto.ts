import { ApiPropertyOptional } from '@nestjs/swagger';
import { Optional, JsLength } from '@app/platform';

export class CancelTaskDto {
  @ApiPropertyOptional({ maxLength: 2000, description: 'Kept in the TaskCancelled event' })
  @Optional()
  @JsLength(0, 2000)
  reason?: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { JsLength } from '@app/platform';

export class FailTaskDto {
  @ApiProperty({ minLength: 1, maxLength: 2000 })
  @JsLength(1, 2000)
  error: string;
}

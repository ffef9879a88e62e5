import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class CancelTaskDto {
  @ApiPropertyOptional({ maxLength: 2000, description: 'Kept in the TaskCancelled event' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

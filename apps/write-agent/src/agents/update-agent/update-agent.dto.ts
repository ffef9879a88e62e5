import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsPlainObject, MaxJsonBytes } from '@app/platform';
import type { JsonObject } from '@app/domain';

/** Each field given replaces the agent's (config whole); at least one is required. */
export class UpdateAgentDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 255 })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  name?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 50 })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  version?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 32 KiB of JSON' })
  @IsOptional()
  @IsPlainObject()
  @MaxJsonBytes(32 * 1024)
  config?: JsonObject;
}

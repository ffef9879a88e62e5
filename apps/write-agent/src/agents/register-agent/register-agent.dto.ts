import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsPlainObject, LowerCaseUuid, MaxJsonBytes } from '@app/platform';
import type { JsonObject } from '@app/domain';

export class RegisterAgentDto {
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'crawler-eu-1' })
  @IsString()
  @Length(1, 255)
  name: string;

  @ApiProperty({ minLength: 1, maxLength: 50, example: '1.4.2' })
  @IsString()
  @Length(1, 50)
  version: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 32 KiB of JSON; defaults to {}' })
  @IsOptional()
  @IsPlainObject()
  @MaxJsonBytes(32 * 1024)
  config?: JsonObject;

  @ApiPropertyOptional({ format: 'uuid', description: 'Client-chosen id; generated when absent' })
  @IsOptional()
  @LowerCaseUuid()
  id?: string;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, ValidateBy } from 'class-validator';
import { decodeCursor, DEFAULT_LIMIT, MAX_LIMIT, type PageRequest } from '../read-model/keyset.js';

const LIMIT_MESSAGE = `limit must be a whole number from 1 to ${MAX_LIMIT}`;

/** `limit` and `cursor`, the query parameters every list takes. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value))
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(MAX_LIMIT, { message: LIMIT_MESSAGE })
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque: the nextCursor of the previous page' })
  @IsOptional()
  @IsString({ message: 'cursor must be sent once' })
  @ValidateBy({
    name: 'isListCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodeCursor(value) !== undefined,
      defaultMessage: () => 'cursor must be the nextCursor of a previous page',
    },
  })
  cursor?: string;
}

export function pageRequestOf(query: PageQueryDto): PageRequest {
  return { limit: query.limit ?? DEFAULT_LIMIT, after: query.cursor === undefined ? undefined : decodeCursor(query.cursor) };
}

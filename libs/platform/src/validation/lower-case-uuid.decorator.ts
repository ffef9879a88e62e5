import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsUUID } from 'class-validator';

/** A UUID in any letter case, kept in lower case. */
export function LowerCaseUuid(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value)),
    IsUUID('all', { message: '$property must be a UUID' }),
  );
}

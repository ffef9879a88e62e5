import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * The field may be left out, but when present it is validated, null included.
 * class-validator's @IsOptional() also skips null, which would let `"config": null`
 * reach the domain (and a NOT NULL column).
 */
export function Optional(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined, options);
}

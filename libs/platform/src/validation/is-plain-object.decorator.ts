import { ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';

/** A JSON object: not an array, not null, not a scalar. */
export function IsPlainObject(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPlainObject',
      validator: {
        validate: (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value),
        defaultMessage: buildMessage((prefix) => `${prefix}$property must be a JSON object`, options),
      },
    },
    options,
  );
}

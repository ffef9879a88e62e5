import { ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';

/** The value's JSON must fit in `limit` bytes (UTF-8), as the contract counts sizes. */
export function MaxJsonBytes(limit: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxJsonBytes',
      constraints: [limit],
      validator: {
        validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= limit,
        defaultMessage: buildMessage((prefix) => `${prefix}$property must be at most $constraint1 bytes of JSON`, options),
      },
    },
    options,
  );
}

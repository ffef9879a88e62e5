import { ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';

/**
 * A string of min..max characters as JavaScript counts them (UTF-16 code units), which
 * is how the contract counts; class-validator's @Length counts code points instead.
 */
export function JsLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'jsLength',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length >= min && value.length <= max,
        defaultMessage: buildMessage(
          (prefix) => `${prefix}$property must be a string of $constraint1 to $constraint2 characters`,
          options,
        ),
      },
    },
    options,
  );
}

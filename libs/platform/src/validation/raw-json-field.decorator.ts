import { Transform } from 'class-transformer';

/**
 * Carries a free JSON value (config, payload, result) past Nest's ValidationPipe
 * untouched. The pipe deletes `__proto__`, `constructor` and `prototype` keys at any depth
 * (in place), and class-transformer's copy skips every key named like an inherited member
 * (`toString`, `valueOf`, `hasOwnProperty`...): both would change client data silently.
 * The box has no enumerable property for either to walk; its value is read back below.
 */
export class RawJson {
  readonly #value: unknown;

  constructor(value?: unknown) {
    this.#value = value;
  }

  get value(): unknown {
    return this.#value;
  }
}

const rawFields = new WeakMap<object, Set<string>>();

/** The properties of a DTO class marked with @RawJsonField(). */
export function rawJsonFieldsOf(type: unknown): ReadonlySet<string> | undefined {
  return typeof type === 'function' ? rawFields.get(type) : undefined;
}

/**
 * A DTO property whose value is free JSON, kept exactly as parsed: BodyShapePipe boxes it
 * before the ValidationPipe, and this unboxes the very value the client sent (validators
 * such as @IsPlainObject() then see it as it is).
 */
export function RawJsonField(): PropertyDecorator {
  const unbox = Transform(({ key, obj, value }) => {
    const given = (obj as Record<string, unknown>)[key];
    return given instanceof RawJson ? given.value : value;
  });
  return (target, property) => {
    const fields = rawFields.get(target.constructor) ?? new Set<string>();
    fields.add(String(property));
    rawFields.set(target.constructor, fields);
    unbox(target, property);
  };
}

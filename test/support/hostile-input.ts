import fc from 'fast-check';

// Generators of hostile input for the property-based specs of both agents: JSON text as a
// client could write it (lone surrogates and U+0000 as escapes, numbers beyond a double,
// keys named like members of Object.prototype, deep nesting), header values and path ids.

export const PROTOTYPE_KEYS = ['toString', 'valueOf', 'constructor', 'prototype', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];

/** Strings that PostgreSQL cannot store, and some that it can but look alike. */
const NASTY_STRINGS = ['\ud800', 'a\udc00b', 'x\ud83d', '\udfff\ud800', '\u0000', 'a\u0000', '😀', '', ' ', 'é', '\u2028', '\ufeff'];

/** Any UTF-16 code units, so lone surrogates and U+0000 come up as well as the rest. */
export const hostileString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.nat(0xffff).map((code) => String.fromCharCode(code)), maxLength: 8 }),
  fc.constantFrom(...NASTY_STRINGS),
);

/** Number literals, some beyond the range of a double or its precision. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
  fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '-0', '1E+2', '0.0000000000000000000001', '4.9e-325'),
);

/** Text that JSON.parse reads as a string: lone surrogates are written as escapes. */
const stringText = hostileString.map((text) => JSON.stringify(text));

export const keyText = (names: string[]) =>
  fc.oneof(hostileString, fc.constantFrom(...PROTOTYPE_KEYS, ...names)).map((key) => JSON.stringify(key));

/** Nested arrays or objects, up to far deeper than the contract's limit. */
export const deepText = fc
  .tuple(fc.integer({ min: 1, max: 30_000 }), fc.boolean())
  .map(([depth, arrays]) => (arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));

/** Any JSON text, a few levels deep, made of the hostile pieces above. */
export function jsonText(names: string[] = []): fc.Arbitrary<string> {
  const { value } = fc.letrec<{ value: string; array: string; object: string; scalar: string }>((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, tie('scalar'), tie('array'), tie('object')),
    scalar: fc.oneof(stringText, numberText, fc.constantFrom('true', 'false', 'null')),
    array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    object: fc
      .array(fc.tuple(keyText(names), tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([key, item]) => `${key}:${item}`).join(', ')}}`),
  }));
  return fc.oneof({ weight: 5, arbitrary: value }, { weight: 1, arbitrary: deepText });
}

/**
 * A body for a route: its valid body with fields replaced or added (known names, prototype
 * names, anything), any JSON text, deep nesting, no body, or text that is not JSON.
 */
export function bodyText(valid: Record<string, unknown>, names: string[]): fc.Arbitrary<string> {
  const entry = fc.tuple(keyText(names), jsonText(names));
  const changed = fc.array(entry, { minLength: 1, maxLength: 3 }).map((entries) => {
    const kept = Object.entries(valid).map(([key, item]) => `${JSON.stringify(key)}:${JSON.stringify(item)}`);
    return `{${[...kept, ...entries.map(([key, item]) => `${key}:${item}`)].join(',')}}`;
  });
  return fc.oneof(
    { weight: 6, arbitrary: changed },
    { weight: 2, arbitrary: jsonText(names) },
    { weight: 1, arbitrary: fc.constantFrom('', '{}', JSON.stringify(valid)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  );
}

/** Printable ASCII, as header values must be. */
export const headerValue = (maxLength = 40) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength });

/** A path segment where an id goes: a real id, a random or malformed one, over-long ones, escapes. */
export function pathId(ids: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ids) },
    { weight: 1, arbitrary: fc.constantFrom(...ids).map((id) => id.toUpperCase()) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: hostileString.map(encodeSegment) },
    { weight: 1, arbitrary: fc.integer({ min: 37, max: 8_000 }).map((length) => 'a'.repeat(length)) },
    { weight: 1, arbitrary: fc.constantFrom('%ED%A0%80', '%00', '%', '%zz', '..', '%2F', 'null', '0') },
  );
}

/** A path segment for any string: percent-encoded, its lone surrogates as the bytes a client could send. */
function encodeSegment(text: string): string {
  const encoded = [...text].map((char) => {
    try {
      return encodeURIComponent(char);
    } catch {
      return '%ED%A0%80';
    }
  });
  return encoded.join('') || 'x';
}

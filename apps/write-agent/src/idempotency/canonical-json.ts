/**
 * A JSON value as one text, whatever the key order and spacing it was sent with: object
 * keys sorted by UTF-16 code units, numbers and strings as JSON.stringify writes them
 * (the canonical form of RFC 8785 for the values JSON.parse yields). Written out here
 * rather than by re-building sorted objects: a `__proto__` key set on a new object would
 * change its prototype instead of adding the key.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

// A lone surrogate (no pair) or U+0000: JSON.parse accepts both, PostgreSQL stores neither
// (text nor jsonb), so either would fail a command's statement as a 500.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** Whether PostgreSQL can store the string: no U+0000, no lone UTF-16 surrogate. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** The text with each character PostgreSQL cannot store written as \uXXXX, to name it in an answer. */
export function showUnstorable(text: string): string {
  return text.replace(UNSTORABLE_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

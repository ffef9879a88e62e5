import { expect } from 'vitest';
import type { Answer } from './http-client.js';

// What must never reach a client (docs/api.md section 2): stack frames, SQL, driver errors, file paths.
const LEAKS = [
  /\bat .+:\d+:\d+/,
  /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/,
  /QueryFailedError|violates|duplicate key|relation "|syntax error at/i,
  /node_modules|dist\/|\.tsx?\b|TypeError|ReferenceError/,
];

/**
 * Asserts an RFC 9457 problem answer with this status. For a 400 that is about fields,
 * pass the field names that `errors` must name.
 */
export function expectProblem(answer: Answer, status: number, fields?: string[]): void {
  const summary = `${answer.status} ${JSON.stringify(answer.body)}`;
  expect(answer.status, summary).toBe(status);
  expect(answer.headers.get('content-type'), summary).toMatch(/^application\/problem\+json\b/);
  expect(answer.body, summary).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  const text = JSON.stringify(answer.body);
  for (const leak of LEAKS) expect(text, `${summary} leaks ${leak}`).not.toMatch(leak);
  if (fields) expect(Array.isArray(answer.body.errors), summary).toBe(true);
  if (answer.body.errors !== undefined) {
    expect(answer.body.errors, summary).not.toHaveLength(0);
    for (const entry of answer.body.errors) {
      expect(entry, summary).toEqual({ field: expect.any(String), message: expect.any(String) });
    }
  }
  if (fields) {
    const named = (answer.body.errors as Array<{ field: string }>).map((entry) => entry.field);
    for (const field of fields) expect(named, summary).toContain(field);
  }
}

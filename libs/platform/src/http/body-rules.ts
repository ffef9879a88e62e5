import type { FieldProblem } from '../errors/problem.js';
import { isStorableText, showUnstorable as shown } from '../validation/storable-text.js';

/** Bodies nested deeper than this (the body itself is level 1) are refused before anything walks them. */
export const MAX_BODY_DEPTH = 64;

export interface BodyProblem {
  readonly detail: string;
  readonly errors: FieldProblem[];
}

/**
 * The first rule of docs/api.md section 2 that a parsed JSON body breaks, wherever in it:
 * nesting deeper than MAX_BODY_DEPTH, a string or key PostgreSQL cannot store, a number
 * beyond the range of a double (JSON.parse turns it into Infinity, which would be stored
 * as null). Iterative, so that no depth overflows the stack before the limit is seen.
 */
export function findBodyProblem(body: unknown): BodyProblem | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: body, path: '', depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    const field = path || 'body';
    if (typeof value === 'string') {
      if (!isStorableText(value)) return unstorable(field);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        return { detail: 'Numbers must be within the range of a 64-bit float.', errors: [{ field, message: `${field} is out of range` }] };
      }
    } else if (value !== null && typeof value === 'object') {
      if (depth > MAX_BODY_DEPTH) {
        return {
          detail: `The request body is nested deeper than ${MAX_BODY_DEPTH} levels.`,
          errors: [{ field, message: `${field} is nested deeper than ${MAX_BODY_DEPTH} levels` }],
        };
      }
      const keys = Object.keys(value);
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index];
        const childPath = path ? `${path}.${shown(key)}` : shown(key);
        if (!isStorableText(key)) return unstorable(childPath);
        stack.push({ value: (value as Record<string, unknown>)[key], path: childPath, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

function unstorable(field: string): BodyProblem {
  return {
    detail: 'Strings may not contain the character U+0000 nor a lone UTF-16 surrogate.',
    errors: [{ field, message: `${field} must not contain U+0000 nor a lone surrogate` }],
  };
}

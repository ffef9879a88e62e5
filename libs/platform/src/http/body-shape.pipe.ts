import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ProblemException } from '../errors/problem.exception.js';
import { MalformedBody } from './malformed-body.js';

const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'];

/** Finds the first string (or key) holding U+0000, which PostgreSQL cannot store. */
function findNulCharacter(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'body' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return childPath;
    const found = findNulCharacter(child, childPath);
    if (found) return found;
  }
  return undefined;
}

/**
 * Runs before the ValidationPipe on every @Body(): the body must be a JSON object (no
 * body at all counts as {}; a JSON null does not), and no string in it may contain U+0000.
 */
@Injectable()
export class BodyShapePipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    if (value instanceof MalformedBody) throw ProblemException.badRequest(value.reason, undefined, 'malformed-body');
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw ProblemException.badRequest('The request body must be a JSON object.', undefined, 'malformed-body');
    }
    // class-transformer drops these keys silently instead of letting whitelist refuse them.
    const reserved = RESERVED_KEYS.find((key) => Object.hasOwn(value, key));
    if (reserved) {
      throw ProblemException.badRequest('The request has 1 invalid field(s).', [
        { field: reserved, message: `property ${reserved} should not exist` },
      ]);
    }
    const field = findNulCharacter(value, '');
    if (field) {
      throw ProblemException.badRequest('Strings may not contain the character U+0000.', [
        { field, message: `${field} must not contain U+0000` },
      ]);
    }
    return value;
  }
}

import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ProblemException } from '../errors/problem.exception.js';
import { RawJson, rawJsonFieldsOf } from '../validation/raw-json-field.decorator.js';
import { MalformedBody } from './malformed-body.js';

/**
 * Names no DTO declares, which class-transformer drops before whitelist can refuse them
 * (it skips keys named like members of Object.prototype, and Nest's ValidationPipe deletes
 * `__proto__`, `constructor` and `prototype`): refused here as the unknown fields they are.
 */
const isReservedKey = (key: string) => key in Object.prototype || key === 'prototype';

/**
 * Runs before the ValidationPipe on every @Body(): the body must be a JSON object (no
 * body at all counts as {}; a JSON null does not) that the parser found within the rules
 * of every body (body-rules.ts); free JSON fields are boxed so that they pass the
 * ValidationPipe unchanged (raw-json-field.decorator.ts).
 */
@Injectable()
export class BodyShapePipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    if (value instanceof MalformedBody) {
      throw ProblemException.badRequest(value.reason, value.errors, value.errors ? 'validation-failed' : 'malformed-body');
    }
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw ProblemException.badRequest('The request body must be a JSON object.', undefined, 'malformed-body');
    }
    const reserved = Object.keys(value).filter(isReservedKey);
    if (reserved.length > 0) {
      throw ProblemException.badRequest(
        `The request has ${reserved.length} invalid field(s).`,
        reserved.map((field) => ({ field, message: `property ${field} should not exist` })),
      );
    }
    const raw = rawJsonFieldsOf(metadata.metatype);
    if (!raw) return value;
    // A copy: request.body stays as the client sent it (the idempotency fingerprint's input).
    const boxed: Record<string, unknown> = { ...value };
    for (const field of raw) {
      if (Object.hasOwn(boxed, field)) boxed[field] = new RawJson(boxed[field]);
    }
    return boxed;
  }
}

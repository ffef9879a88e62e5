import type { FastifyInstance } from 'fastify';
import { MalformedBody } from './malformed-body.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return new MalformedBody('The request body is not valid JSON.');
  }
}

/** JSON bodies (any other content type is kept as a marker and refused after auth). */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[\w.-]+\+json(\s*;.*)?$/i]) {
    fastify.addContentTypeParser(type, { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) =>
      done(null, parseJson(body as string)),
    );
  }
  fastify.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) =>
    done(null, (body as string).length === 0 ? undefined : new MalformedBody('The request body must be JSON (Content-Type: application/json).')),
  );
}

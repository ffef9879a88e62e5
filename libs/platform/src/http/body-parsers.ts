import type { FastifyInstance } from 'fastify';
import { findBodyProblem } from './body-rules.js';
import { MalformedBody } from './malformed-body.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new MalformedBody('The request body is not valid JSON.');
  }
  // Checked here, once for every body of every route: the idempotency fingerprint and the
  // pipes read the body later, and must only ever see one they can walk and store.
  const broken = findBodyProblem(body);
  return broken ? new MalformedBody(broken.detail, broken.errors) : body;
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

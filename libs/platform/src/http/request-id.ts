import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { holdsJwt } from '../logging/redact.js';

const ACCEPTABLE = /^[\x20-\x7e]{1,128}$/;

/**
 * Fastify's genReqId: the client's X-Request-Id when it is 1..128 printable chars and
 * holds nothing shaped like a token (a request id is logged, echoed and stored in events).
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && ACCEPTABLE.test(given) && !holdsJwt(given) ? given : randomUUID();
}

import type { FastifyInstance } from 'fastify';

/** Set once the process starts draining for shutdown (one HTTP app per process). */
export const draining = { active: false };

/**
 * While draining, every answer says `connection: close`, including those of requests in
 * flight at the signal, so that a keep-alive client opens a new connection (refused)
 * instead of sending its next request on one the server is about to close.
 */
export function closeConnectionsWhileDraining(fastify: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every answer.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining.active) reply.header('connection', 'close');
    done(null, payload);
  });
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { toProblem } from './to-problem.js';

/** Answers with the problem+json of anything thrown; errors of ours are logged with their stack. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const answer = toProblem(error);
  if (answer.unexpected) request.log.error({ err: error }, 'request failed');
  return reply.status(answer.body.status).headers(answer.headers).type(PROBLEM_CONTENT_TYPE).send(answer.body);
}

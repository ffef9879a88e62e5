import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { toProblem } from './to-problem.js';

/** The one exception filter: every error leaves as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const answer = toProblem(error);
    if (answer.unexpected) request.log.error({ err: error }, 'request failed');
    void reply
      .status(answer.body.status)
      .headers(answer.headers)
      .type(PROBLEM_CONTENT_TYPE)
      .send(answer.body);
  }
}

import { ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';

/**
 * The result of a Terminus check, healthy or not. Terminus reports "not ready" as a 503
 * exception carrying its JSON; that is answered as is, since the problem+json filter
 * would turn any 5xx exception into a 500.
 */
export async function answerHealthCheck(reply: FastifyReply, check: Promise<HealthCheckResult>): Promise<HealthCheckResult> {
  try {
    return await check;
  } catch (error) {
    if (!(error instanceof ServiceUnavailableException)) throw error;
    reply.status(503);
    return error.getResponse() as HealthCheckResult;
  }
}

import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, lastValueFrom, map, type Observable } from 'rxjs';
import { DomainError } from '@app/domain';
import { countCommand } from '../commands/command-outcomes.js';
import type { CommandResult } from '../commands/command-result.js';
import { Idempotency, type IdempotentAnswer } from '../idempotency/idempotency.js';
import { IdempotencyRaceError } from '../idempotency/idempotency-race.error.js';
import type { CommandAnswer } from './command-answer.dto.js';
import { commandContextOf } from './command-context.factory.js';
import { commandTypeOf } from './command-type.metadata.js';

/**
 * Around every command route: hands the run to Idempotency, counts the outcome, and
 * turns the CommandResult into the HTTP answer, the one place that sets status, ETag
 * and Location. The headers are read here, before the pipes: a stored answer must be
 * found before the controller runs the command, and Nest runs the pipes just before it.
 */
@Injectable()
export class CommandInterceptor implements NestInterceptor<CommandResult, CommandAnswer> {
  constructor(private readonly idempotency: Idempotency) {}

  intercept(context: ExecutionContext, next: CallHandler<CommandResult>): Observable<CommandAnswer> {
    const http = context.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const command = commandTypeOf(context.getHandler());
    const { idempotency: claim } = commandContextOf(http.getRequest<FastifyRequest>());
    return defer(() => this.idempotency.execute(command, claim, () => counted(command, lastValueFrom(next.handle())))).pipe(
      map((answer) => send(answer, reply)),
    );
  }
}

async function counted(command: string, run: Promise<CommandResult>): Promise<CommandResult> {
  try {
    const result = await run;
    countCommand(command, 'accepted');
    return result;
  } catch (error) {
    // Refused input (HttpException) never reached the command; a lost race is counted as its replay.
    if (error instanceof DomainError) countCommand(command, 'rejected');
    else if (!(error instanceof HttpException) && !(error instanceof IdempotencyRaceError)) countCommand(command, 'failed');
    throw error;
  }
}

function send({ result, replayed }: IdempotentAnswer, reply: FastifyReply): CommandAnswer {
  reply.status(result.created ? 201 : 200).header('ETag', `"${result.revision}"`);
  if (result.created) reply.header('Location', `/${result.aggregateType}s/${result.id}`);
  if (replayed) reply.header('Idempotent-Replayed', 'true');
  return { id: result.id, revision: result.revision, position: result.position };
}

import { Injectable } from '@nestjs/common';
import { CommandBus, type Command } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { DomainError } from '@app/domain';
import { problem, ProblemException, toProblem, type ProblemDetails } from '@app/platform';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandResult } from '../commands/command-result.js';
import { tokenOf } from '../persistence/command-writer.js';
import { IdempotencyKeys, type StoredAnswer } from '../persistence/idempotency-keys.js';
import { IdempotencyRaceError } from '../persistence/idempotency-race.error.js';
import { commandContextOf } from './command-context.factory.js';
import type { CommandAnswer } from './command-answer.dto.js';

const commandsTotal = new Counter({
  name: 'cqrs_commands_total',
  help: 'Commands by outcome: accepted, rejected (a domain rule said no), replayed (Idempotency-Key), failed',
  labelNames: ['command', 'outcome'] as const,
});

/**
 * Where every command route goes after validation: builds the command's context, runs
 * it on the CommandBus, and turns the result into the HTTP answer. Idempotency-Key lives
 * here: a stored answer is replayed, refusals are stored, concurrent duplicates replay.
 */
@Injectable()
export class CommandGateway {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly keys: IdempotencyKeys,
  ) {}

  async execute(
    name: string,
    request: FastifyRequest,
    reply: FastifyReply,
    build: (context: CommandContext) => Command<CommandResult>,
  ): Promise<CommandAnswer> {
    const context = commandContextOf(request);
    const claim = context.idempotency;
    if (claim) {
      const stored = await this.keys.find(claim.subject, claim.key);
      if (stored) return this.replay(name, stored, claim.fingerprint, reply);
    }
    try {
      const result = await this.commandBus.execute(build(context));
      commandsTotal.inc({ command: name, outcome: 'accepted' });
      return answer(result, reply);
    } catch (error) {
      if (claim && error instanceof IdempotencyRaceError) {
        return this.replay(name, (await this.keys.find(claim.subject, claim.key))!, claim.fingerprint, reply);
      }
      if (!(error instanceof DomainError)) {
        commandsTotal.inc({ command: name, outcome: 'failed' });
        throw error;
      }
      commandsTotal.inc({ command: name, outcome: 'rejected' });
      if (claim) {
        const refusal = toProblem(error).body;
        if (!(await this.keys.storeRefusal(claim, refusal.status, refusal))) {
          return this.replay(name, (await this.keys.find(claim.subject, claim.key))!, claim.fingerprint, reply);
        }
      }
      throw error;
    }
  }

  private replay(name: string, stored: StoredAnswer, fingerprint: string, reply: FastifyReply): CommandAnswer {
    if (stored.fingerprint !== fingerprint) {
      throw new ProblemException(
        problem(422, 'This Idempotency-Key was already used with another method, path or body.', 'idempotency-key-reused'),
      );
    }
    commandsTotal.inc({ command: name, outcome: 'replayed' });
    reply.header('Idempotent-Replayed', 'true');
    if (stored.status >= 400) {
      throw new ProblemException(stored.response as unknown as ProblemDetails, { 'Idempotent-Replayed': 'true' });
    }
    const response = stored.response as { id: string; revision: number; txId: string; position: string; aggregateType: 'agent' | 'task' };
    const { id, revision, aggregateType } = response;
    return answer({ id, revision, position: tokenOf(response), created: stored.status === 201, aggregateType }, reply);
  }
}

function answer(result: CommandResult, reply: FastifyReply): CommandAnswer {
  reply.status(result.created ? 201 : 200).header('ETag', `"${result.revision}"`);
  if (result.created) reply.header('Location', `/${result.aggregateType}s/${result.id}`);
  return { id: result.id, revision: result.revision, position: result.position };
}

import { Injectable } from '@nestjs/common';
import { assertExpectedRevision, DomainError, revisionMismatch, type DomainEvent } from '@app/domain';
import type { AggregatePersistence } from '../persistence/aggregate-persistence.js';
import { CommandWriter, tokenOf, type Appended } from '../persistence/command-writer.js';
import { IdempotencyRaceError } from '../persistence/idempotency-race.error.js';
import { violatedUniqueConstraint } from '../persistence/postgres-errors.js';
import { AppendedEvents } from './appended-events.js';
import type { CommandContext } from './command-context.js';
import type { CommandResult } from './command-result.js';

const MAX_ATTEMPTS = 10;

export interface CommandSteps<S, E> {
  /** The state the decision needs; null when the aggregate does not exist. */
  load(): Promise<S | null>;
  /** The pure domain decision; throws a DomainError to refuse. */
  decide(state: S | null): E[];
}

/**
 * Load, decide, save with optimistic concurrency, the whole life of a command. When
 * another command changed the aggregate between load and save, the save's guard fails
 * and the command decides again on fresh state; with If-Match the client asked for the
 * loaded revision only, so that is a 412 instead.
 */
@Injectable()
export class CommandRunner {
  constructor(
    private readonly writer: CommandWriter,
    private readonly appendedEvents: AppendedEvents,
  ) {}

  async run<S extends { revision: number }, E extends DomainEvent>(
    persistence: AggregatePersistence<S, E>,
    id: string,
    command: string,
    context: CommandContext,
    steps: CommandSteps<S, E>,
  ): Promise<CommandResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const before = await steps.load();
      if (before) assertExpectedRevision(before.revision, context.expectedRevision);
      const events = steps.decide(before);
      const after = events.reduce<S | null>(persistence.evolve, before) as S;
      const appended = await this.save(persistence, before, after, events, context, command);
      if (appended) {
        this.appendedEvents.notify(appended);
        const created = before === null;
        return { id, revision: after.revision, position: tokenOf(appended), created, aggregateType: persistence.type };
      }
      if (context.expectedRevision !== undefined) throw revisionMismatch(context.expectedRevision);
    }
    throw new DomainError('concurrent_modification', 'conflict', 'The aggregate kept changing while this command ran; retry the request.');
  }

  private async save<S extends { revision: number }, E extends DomainEvent>(
    persistence: AggregatePersistence<S, E>,
    before: S | null,
    after: S,
    events: E[],
    context: CommandContext,
    command: string,
  ): Promise<Appended | null> {
    const change = before ? persistence.update(before, after) : persistence.insert(after);
    const answer = { status: before ? 200 : 201, id: events[0].aggregateId, revision: after.revision, aggregateType: persistence.type };
    try {
      return await this.writer.write(change, events, context, command, answer);
    } catch (error) {
      const constraint = violatedUniqueConstraint(error);
      if (constraint === 'idempotency_keys_pkey') throw new IdempotencyRaceError();
      throw (constraint && persistence.uniqueViolation(constraint, after)) || error;
    }
  }
}

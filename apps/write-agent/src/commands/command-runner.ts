import { Injectable } from '@nestjs/common';
import { assertExpectedRevision, DomainError, revisionMismatch, type DecisionContext, type DomainEvent } from '@app/domain';
import type { AggregatePersistence } from '../persistence/aggregate-persistence.js';
import { tokenOf, type Appended } from '../persistence/appended.js';
import { CommandWriter } from '../persistence/command-writer.js';
import { violatedUniqueConstraint } from '../persistence/postgres-errors.js';
import { refuseReusedKey } from '../idempotency/reused-key.js';
import { AppendedEvents } from './appended-events.js';
import type { CommandResult } from './command-result.js';
import type { RunnableCommand } from './command-type.js';

const MAX_ATTEMPTS = 10;

/** What a command's decision reads: the aggregate's state (null when absent), and more if it needs it. */
export interface Loaded<S, X extends object> {
  readonly state: S | null;
  /** The rest of the decider's context, e.g. the agent a task is submitted to. */
  readonly context?: X;
}

export interface CommandSteps<C extends RunnableCommand, S, E, X extends object> {
  load(command: C): Promise<Loaded<S, X>>;
  /** The pure domain decider; throws a DomainError to refuse. */
  decide(command: C, state: S | null, context: DecisionContext & NoInfer<Partial<X>>): E[];
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

  async run<C extends RunnableCommand, S extends { revision: number }, E extends DomainEvent, X extends object = object>(
    command: C,
    persistence: AggregatePersistence<S, E>,
    steps: CommandSteps<NoInfer<C>, S, E, X>,
  ): Promise<CommandResult> {
    const { expectedRevision } = command.context;
    refuseReusedKey(command.context.idempotency);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const loaded = await steps.load(command);
      const before = loaded.state;
      if (before) assertExpectedRevision(before.revision, expectedRevision);
      // Object.assign, not a spread: TypeScript types the spread of an optional generic as {}.
      const events = steps.decide(command, before, Object.assign({}, loaded.context, { now: new Date() }));
      const after = events.reduce<S | null>(persistence.evolve, before) as S;
      const result = { id: command.id, revision: after.revision, created: before === null, aggregateType: persistence.type };
      const appended = await this.save(persistence, command, before, after, events, result);
      if (appended) {
        this.appendedEvents.notify(appended);
        return { ...result, position: tokenOf(appended) };
      }
      if (expectedRevision !== undefined) throw revisionMismatch(expectedRevision);
    }
    throw new DomainError('concurrent_modification', 'conflict', 'The aggregate kept changing while this command ran; retry the request.');
  }

  private async save<S extends { revision: number }, E extends DomainEvent>(
    persistence: AggregatePersistence<S, E>,
    command: RunnableCommand,
    before: S | null,
    after: S,
    events: E[],
    result: Omit<CommandResult, 'position'>,
  ): Promise<Appended | null> {
    const change = before ? persistence.update(before, after) : persistence.insert(after);
    try {
      return await this.writer.write(change, events, command, result);
    } catch (error) {
      const constraint = violatedUniqueConstraint(error);
      throw (constraint && persistence.uniqueViolation(constraint, after)) || error;
    }
  }
}

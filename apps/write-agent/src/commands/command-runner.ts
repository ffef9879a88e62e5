import { Injectable } from '@nestjs/common';
import { assertExpectedRevision, DomainError, type DecisionContext, type DomainEvent } from '@app/domain';
import type { AggregatePersistence } from '../persistence/aggregate-persistence.js';
import { tokenOf, type Appended } from '../persistence/appended.js';
import { CommandWriter } from '../persistence/command-writer.js';
import { laterOf, LogHead } from '../persistence/log-head.js';
import { PrimaryPool, type Transaction } from '../persistence/primary-pool.js';
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
  /**
   * Loads what the decision reads. Without `tx` a plain read (the optimistic attempt);
   * with it, inside the command's transaction, locking the rows it reads until the end.
   */
  load(command: C, tx?: Transaction): Promise<Loaded<S, X>>;
  /** The pure domain decider; throws a DomainError to refuse. */
  decide(command: C, state: S | null, context: DecisionContext & NoInfer<Partial<X>>): E[];
  /**
   * Skip the optimistic attempt: the save's guard depends on rows a concurrent command
   * changes without touching the aggregate's row (RetireAgent and the agent's tasks).
   */
  readonly alwaysLocked?: boolean;
}

/**
 * Load, decide, save: the whole life of a command. The first attempt is optimistic, two
 * round trips without an explicit transaction (a plain load, then one statement whose
 * guard is the loaded revision). When the guard misses because another command changed
 * the aggregate meanwhile, the command runs once more inside a transaction that loads
 * the aggregate's row FOR UPDATE: commands on one aggregate then queue on that row lock
 * and each decides on the state its predecessor left, so none starves. The If-Match check
 * and the decider run on that locked state: a changed revision is a 412, a refusal of the
 * domain its own answer (docs/adr/0005-serializing-commands-per-aggregate.md).
 */
@Injectable()
export class CommandRunner {
  constructor(
    private readonly db: PrimaryPool,
    private readonly writer: CommandWriter,
    private readonly appendedEvents: AppendedEvents,
    private readonly logHead: LogHead,
  ) {}

  async run<C extends RunnableCommand, S extends { revision: number }, E extends DomainEvent, X extends object = object>(
    command: C,
    persistence: AggregatePersistence<S, E>,
    steps: CommandSteps<NoInfer<C>, S, E, X>,
  ): Promise<CommandResult> {
    refuseReusedKey(command.context.idempotency);
    const saved =
      (!steps.alwaysLocked && (await this.attempt(command, persistence, steps))) ||
      (await this.db.transaction(async (tx) => {
        const locked = await this.attempt(command, persistence, steps, tx);
        // Under the lock nothing changes the aggregate between load and save.
        if (!locked) throw new DomainError('concurrent_modification', 'conflict', 'The aggregate changed while this command held its lock; retry the request.');
        return locked;
      }));
    this.appendedEvents.notify(saved.appended);
    // The token is the head of the log as read after the commit, not the command's own
    // position: a transaction that began before another one may commit after it, and the
    // later answer must cover the earlier one (docs/adr/0006-position-tokens-follow-answers.md).
    const head = await this.logHead.after(command.context.idempotency);
    return { ...saved.result, position: tokenOf(laterOf(saved.appended, head)) };
  }

  /** One load, decide and save; null when the save's guard matched no row. */
  private async attempt<C extends RunnableCommand, S extends { revision: number }, E extends DomainEvent, X extends object>(
    command: C,
    persistence: AggregatePersistence<S, E>,
    steps: CommandSteps<NoInfer<C>, S, E, X>,
    tx?: Transaction,
  ): Promise<{ appended: Appended; result: Omit<CommandResult, 'position'> } | null> {
    const loaded = await steps.load(command, tx);
    const before = loaded.state;
    if (before) assertExpectedRevision(before.revision, command.context.expectedRevision);
    // Object.assign, not a spread: TypeScript types the spread of an optional generic as {}.
    const events = steps.decide(command, before, Object.assign({}, loaded.context, { now: new Date() }));
    const after = events.reduce<S | null>(persistence.evolve, before) as S;
    const result = { id: command.id, revision: after.revision, created: before === null, aggregateType: persistence.type };
    const appended = await this.save(persistence, command, before, after, events, result, tx);
    return appended ? { appended, result } : null;
  }

  private async save<S extends { revision: number }, E extends DomainEvent>(
    persistence: AggregatePersistence<S, E>,
    command: RunnableCommand,
    before: S | null,
    after: S,
    events: E[],
    result: Omit<CommandResult, 'position'>,
    tx: Transaction | undefined,
  ): Promise<Appended | null> {
    const change = before ? persistence.update(before, after) : persistence.insert(after);
    try {
      return await this.writer.write(change, events, command, result, tx);
    } catch (error) {
      const constraint = violatedUniqueConstraint(error);
      throw (constraint && persistence.uniqueViolation(constraint, after)) || error;
    }
  }
}

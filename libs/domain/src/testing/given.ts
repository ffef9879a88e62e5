import { expect } from 'vitest';
import { DomainError, type AggregateType, type DomainErrorKind, type DomainEvent } from '@app/domain';

type Evolve<S, E> = (state: S | null, event: E) => S;
type Decide<S, C, E> = (state: S | null, command: C) => E[];

/**
 * Given/when/then over a decider: the state is only ever built by folding the given
 * events, so a spec cannot start from a state the aggregate could never reach.
 */
export function deciderSpec<S, C, E>(evolve: Evolve<S, E>, decide: Decide<S, C, E>) {
  return (events: E[]) => ({
    when: (command: C) => {
      const run = () => decide(events.reduce<S | null>(evolve, null), command);
      return {
        // Strict, so an event data key holding `undefined` counts as a difference.
        then: (expected: E[]) => expect(run()).toStrictEqual(expected),
        thenThrows: (code: string, kind: DomainErrorKind): DomainError => {
          const error = catchError(run);
          expect(error).toBeInstanceOf(DomainError);
          expect({ code: error.code, kind: error.kind }).toEqual({ code, kind });
          return error;
        },
      };
    },
  });
}

function catchError(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected the command to be refused, but it was accepted');
}

type Step<E> = E extends DomainEvent<infer T, infer D> ? { type: T; data: D } : never;

/** One event a minute from 2024-01-01T00:00Z, so every step has its own timestamp. */
export const minute = (n: number) => new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString();

/** A consistent history of one aggregate: revisions 1..n, step i at minute(i). */
export function historyOf<E extends DomainEvent>(aggregateType: AggregateType, aggregateId: string) {
  return (...steps: Step<E>[]): E[] =>
    steps.map((step, i) => ({ ...step, aggregateType, aggregateId, revision: i + 1, occurredAt: minute(i) }) as unknown as E);
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

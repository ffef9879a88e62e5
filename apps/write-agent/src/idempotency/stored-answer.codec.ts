import type { AggregateType } from '@app/domain';
import type { FieldProblem, ProblemDetails } from '@app/platform';
import type { CommandResult } from '../commands/command-result.js';
import { tokenOf } from '../persistence/appended.js';

/**
 * The first answer to a request with an Idempotency-Key, as idempotency_keys keeps it:
 * `status_code` is the HTTP status, `response` a success's ids or a refusal's problem.
 */
export type StoredAnswer =
  | {
      readonly kind: 'success';
      readonly result: CommandResult;
      /**
       * True until the position has been moved to the log head read after the commit
       * (IdempotencyKeys.settleHead): the stored position is then the command's own.
       */
      readonly headPending: boolean;
    }
  | { readonly kind: 'refusal'; readonly problem: ProblemDetails };

/** The columns of a stored answer: a status and a JSON response. */
export interface EncodedAnswer<T> {
  readonly status: T;
  readonly response: T;
}

/** The stored answer of a refusal, as parameter values. */
export function encodeRefusal(problem: ProblemDetails): EncodedAnswer<unknown> {
  return { status: problem.status, response: JSON.stringify(problem) };
}

/**
 * The stored answer of a success, as SQL expressions: it is written inside the command's
 * own statement (ADR 0001), where the appended events' txId and position are only known
 * as columns. `param` adds a parameter and returns its placeholder.
 */
export function encodeSuccessSql(
  result: Omit<CommandResult, 'position'>,
  appended: { txId: string; position: string },
  param: (value: unknown) => string,
): EncodedAnswer<string> {
  return {
    status: `${param(result.created ? 201 : 200)}::int`,
    response: `jsonb_build_object('id', ${param(result.id)}::text, 'revision', ${param(result.revision)}::int,
      'aggregateType', ${param(result.aggregateType)}::text, 'txId', ${appended.txId}::text, 'position', ${appended.position}::text, 'headPending', true)`,
  };
}

export class MalformedStoredAnswerError extends Error {
  constructor(reason: string) {
    super(`stored idempotency answer is malformed: ${reason}`);
  }
}

/** Reads a stored answer back, checking its shape instead of trusting it. */
export function decodeStoredAnswer(status: unknown, response: unknown): StoredAnswer {
  if (!isRecord(response)) throw new MalformedStoredAnswerError('the response is not a JSON object');
  if (status === 200 || status === 201) {
    return { kind: 'success', result: decodeSuccess(status, response), headPending: response.headPending === true };
  }
  if (Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599) {
    return { kind: 'refusal', problem: decodeProblem(status as number, response) };
  }
  throw new MalformedStoredAnswerError(`unexpected status ${String(status)}`);
}

const DIGITS = /^\d+$/;
const HISTORY_TAG = /^[0-9a-f]{8}$/;
const AGGREGATE_TYPES: readonly unknown[] = ['agent', 'task'] satisfies AggregateType[];

function decodeSuccess(status: 200 | 201, response: Record<string, unknown>): CommandResult {
  const { id, revision, aggregateType, txId, position, history } = response;
  if (typeof id !== 'string' || id === '') throw new MalformedStoredAnswerError('id is not a string');
  if (!Number.isSafeInteger(revision) || (revision as number) < 1) throw new MalformedStoredAnswerError('revision is not a positive integer');
  if (!AGGREGATE_TYPES.includes(aggregateType)) throw new MalformedStoredAnswerError('aggregateType is neither agent nor task');
  if (typeof txId !== 'string' || !DIGITS.test(txId)) throw new MalformedStoredAnswerError('txId is not a decimal string');
  if (typeof position !== 'string' || !DIGITS.test(position)) throw new MalformedStoredAnswerError('position is not a decimal string');
  if (history !== undefined && history !== null && (typeof history !== 'string' || !HISTORY_TAG.test(history))) {
    throw new MalformedStoredAnswerError('history is not 8 hex digits');
  }
  return {
    id,
    revision: revision as number,
    position: tokenOf({ txId, position, ...(history ? { history } : {}) }),
    created: status === 201,
    aggregateType: aggregateType as AggregateType,
  };
}

function decodeProblem(status: number, response: Record<string, unknown>): ProblemDetails {
  const { type, title, detail, errors } = response;
  if (typeof type !== 'string' || typeof title !== 'string' || typeof detail !== 'string') {
    throw new MalformedStoredAnswerError('the problem lacks type, title or detail');
  }
  if (response.status !== status) throw new MalformedStoredAnswerError('the problem status differs from the stored status');
  const problem: ProblemDetails = { type, title, status, detail };
  if (errors !== undefined) problem.errors = decodeFieldProblems(errors);
  return problem;
}

function decodeFieldProblems(errors: unknown): FieldProblem[] {
  if (!Array.isArray(errors)) throw new MalformedStoredAnswerError('errors is not an array');
  return errors.map((entry) => {
    if (!isRecord(entry) || typeof entry.field !== 'string' || typeof entry.message !== 'string') {
      throw new MalformedStoredAnswerError('an entry of errors lacks field or message');
    }
    return { field: entry.field, message: entry.message };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

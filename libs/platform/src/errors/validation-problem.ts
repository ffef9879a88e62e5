import type { ValidationError } from 'class-validator';
import type { FieldProblem } from './problem.js';
import { ProblemException } from './problem.exception.js';

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** The ValidationPipe's exceptionFactory: a 400 listing every invalid field. */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const fields = flatten(errors);
  return ProblemException.badRequest(
    `The request has ${fields.length} invalid field(s).`,
    fields,
  );
}

import { HttpException } from '@nestjs/common';
import { problem, type FieldProblem, type ProblemDetails } from './problem.js';

/** An HTTP error raised at the edge (guards, pipes): carries its problem body as is. */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }

  static badRequest(detail: string, errors?: FieldProblem[], code = 'validation-failed'): ProblemException {
    return new ProblemException(problem(400, detail, code, errors));
  }
}

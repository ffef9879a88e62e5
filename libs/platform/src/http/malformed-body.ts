import type { FieldProblem } from '../errors/problem.js';

/**
 * Stands in for a body that could not be parsed, or that breaks a rule every body must
 * keep (body-rules.ts). Parsing happens before Nest's guards run, and the contract puts
 * 401/403 before 400, so the parser does not answer: it hands this marker on and the body
 * pipe turns it into the 400 once auth has passed. Nothing walks the refused value after
 * the parser, so a body of any depth cannot overflow a stack further on.
 */
export class MalformedBody {
  constructor(
    readonly reason: string,
    /** The fields at fault, when the body is JSON but breaks a rule about its content. */
    readonly errors?: FieldProblem[],
  ) {}
}

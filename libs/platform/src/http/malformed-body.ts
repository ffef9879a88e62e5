/**
 * Stands in for a body that could not be parsed. Parsing happens before Nest's guards
 * run, and the contract puts 401/403 before 400, so the parser does not answer: it hands
 * this marker on and the body pipe turns it into the 400 once auth has passed.
 */
export class MalformedBody {
  constructor(readonly reason: string) {}
}

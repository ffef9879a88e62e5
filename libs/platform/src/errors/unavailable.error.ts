/**
 * What a handler throws when the stores it needs cannot answer in time: the client may
 * retry. Not an HTTP exception (handlers throw none); toProblem answers it as a 503 with
 * Retry-After.
 */
export class UnavailableError extends Error {
  constructor(
    readonly detail: string,
    /** The problem type's code: `urn:problem:<code>`. */
    readonly code: string,
    readonly retryAfterSeconds: number,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

import type { LogSource } from './log-source.js';

/**
 * Which database the next read of the log goes to (docs/adr/0003): the replica while
 * there is a backlog, the primary at the tail. One per reader (the projector's session,
 * the rebuild's swap); a new one starts on the replica, as a new reader may be far behind.
 */
export class LogSourcePolicy {
  private atTail = false;

  constructor(private readonly batchSize: number) {}

  /** Where to read next: after a short read the primary, after a full batch the replica. */
  get next(): LogSource {
    return this.atTail ? 'primary' : 'replica';
  }

  /**
   * Records a read of `from` that returned `events`; true when the log has been read to
   * its end. A short read of the replica only reached the replica's end, so only a short
   * read of the primary counts.
   */
  record(from: LogSource, events: number): boolean {
    this.atTail = events < this.batchSize;
    return this.atTail && from === 'primary';
  }
}

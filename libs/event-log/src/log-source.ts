/** The database a read of the event log goes to, or came from. */
export type LogSource = 'primary' | 'replica';

export interface SourcedRows<R> {
  rows: R[];
  /** The database that answered. */
  source: LogSource;
}

/**
 * Where a reader's statements run: the read agent's pair of pools with breakers
 * (replica first for backlogs), or the write agent's primary alone.
 */
export interface LogQuery {
  query<R extends object>(text: string, values: unknown[], prefer?: LogSource): Promise<SourcedRows<R>>;
}

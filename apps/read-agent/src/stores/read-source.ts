import { Counter } from 'prom-client';

/** Where an answer was read, as the X-Data-Source header says. */
export type ReadSource = 'redis' | 'replica' | 'primary';

/** A query's result and the store that produced it. */
export interface Sourced<T> {
  value: T;
  source: ReadSource;
}

const readSourceTotal = new Counter({
  name: 'cqrs_read_source_total',
  help: 'Query answers by the store they were read from',
  labelNames: ['source'] as const,
});

const answersBySource = {
  redis: readSourceTotal.labels({ source: 'redis' }),
  replica: readSourceTotal.labels({ source: 'replica' }),
  primary: readSourceTotal.labels({ source: 'primary' }),
};

/** Counts one answer (by a child per source: no label lookup per answer). */
export function countAnswer(source: ReadSource): void {
  answersBySource[source].inc();
}

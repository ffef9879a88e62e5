import { Counter } from 'prom-client';

export const logReads = new Counter({
  name: 'cqrs_projection_log_reads_total',
  help: 'Event log reads of the projector, by the database that answered (primary: the tail, replica: backlogs)',
  labelNames: ['source'] as const,
});

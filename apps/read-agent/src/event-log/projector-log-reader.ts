import { EventLogReader } from '@app/event-log';
import type { EventLogSource } from './event-log.source.js';
import { logReads } from './log-reads.metric.js';

/** The read agent's reader of the log: the projector's and the rebuild's, its reads counted by source. */
export function projectorLogReader(source: EventLogSource): EventLogReader {
  return new EventLogReader(source, (from) => logReads.inc({ source: from }));
}

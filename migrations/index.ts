import { InitialSchema1764115200000 } from './1764115200000-initial-schema.js';
import { OpenTasksIndex1764979200000 } from './1764979200000-open-tasks-index.js';
import { RelayLease1765000000000 } from './1765000000000-relay-lease.js';
import { TaskDeadlines1765100000000 } from './1765100000000-task-deadlines.js';
import { LogClock1765200000000 } from './1765200000000-log-clock.js';

/** Every migration, in order. Explicit, never a glob. */
export const MIGRATIONS = [InitialSchema1764115200000, OpenTasksIndex1764979200000, RelayLease1765000000000, TaskDeadlines1765100000000, LogClock1765200000000];

import { InitialSchema1764115200000 } from './1764115200000-initial-schema.js';

/** Every migration, in order. Explicit, never a glob. */
export const MIGRATIONS = [InitialSchema1764115200000];

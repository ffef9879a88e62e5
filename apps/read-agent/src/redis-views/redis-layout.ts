/**
 * Where the projections live in Redis. Views of one build ("generation") share a prefix;
 * `GENERATION_KEY` names the generation readers use, so a rebuild writes a fresh
 * generation and swaps it in with one SET when it has caught up.
 */
export const GENERATION_KEY = 'cqrs:projection:generation';
export const LEASE_KEY = 'cqrs:projector:lease';
export const FENCE_KEY = 'cqrs:projector:fence';

export const generationPrefix = (generation: string) => `cqrs:g:${generation}`;

export const viewKeys = (generation: string) => {
  const prefix = generationPrefix(generation);
  return {
    agent: (id: string) => `${prefix}:agent:${id}`,
    task: (id: string) => `${prefix}:task:${id}`,
    stats: `${prefix}:stats`,
    /** "<txId>.<position>" of the last applied event (the position token format). */
    checkpoint: `${prefix}:checkpoint`,
    /** Epoch ms: occurredAt of the last applied event (for the lag metric). */
    checkpointTime: `${prefix}:checkpoint-time`,
    /** `<system identifier>:<timeline>` of the database the generation was projected from (DatabaseHistory). */
    history: `${prefix}:history`,
    /** Hash: log position -> JSON { type, aggregateId, error } of events that could not be applied. */
    poison: `${prefix}:poison`,
  };
};

/** Counter that numbers generations; a rebuild takes the next number. */
export const GENERATION_COUNTER_KEY = 'cqrs:projection:generation-counter';
/** Set by a rebuild that waits for the lease: the holder yields it at its next renewal. */
export const HANDOVER_KEY = 'cqrs:projector:handover';
/** Published when a holder releases the lease, so a waiting peer takes it at once. */
export const LEASE_RELEASED_CHANNEL = 'cqrs:projector:lease-released';

/** SCAN pattern of every key of one generation. */
export const generationPattern = (generation: string) => `${generationPrefix(generation)}:*`;

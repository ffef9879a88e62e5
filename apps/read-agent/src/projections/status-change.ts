/**
 * A view's status before and after one event (`from` null when the event created it).
 * Counts follow these rather than events: a TaskCancelled alone does not say whether
 * the task was pending or running, its task view does.
 */
export interface StatusChange<S extends string> {
  from: S | null;
  to: S;
}

/** Moves one item between the buckets of a count (`total` counts every item). */
export function shiftCounts<S extends string, C extends Record<S | 'total', number>>(
  counts: C,
  change: StatusChange<S>,
): C {
  if (change.from === change.to) return counts;
  const next: Record<string, number> = { ...counts };
  if (change.from === null) next.total += 1;
  else next[change.from] -= 1;
  next[change.to] += 1;
  return next as C;
}

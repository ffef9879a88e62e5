/**
 * Starts several processes (or fixtures) at once. If any start fails, the ones that did
 * start are stopped before the first error is thrown: none is left running without a handle.
 */
export async function startTogether<T extends readonly unknown[]>(
  ...starts: { [K in keyof T]: () => Promise<T[K]> }
): Promise<T> {
  const settled = await Promise.allSettled(starts.map((start) => start()));
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.allSettled(
      settled.flatMap((result) => (result.status === 'fulfilled' ? [stopOf(result.value)] : [])),
    );
    throw failed.reason;
  }
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

async function stopOf(started: unknown): Promise<void> {
  const candidate = started as { stop?: () => Promise<unknown>; close?: () => Promise<unknown> };
  if (typeof candidate?.stop === 'function') await candidate.stop();
  else if (typeof candidate?.close === 'function') await candidate.close();
}

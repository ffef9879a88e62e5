/**
 * Everything a bench run starts is registered here, and stopped in reverse order when
 * the run ends: normally, on an error, on Ctrl-C / SIGTERM, or when the overall deadline
 * passes. Child processes also get a synchronous SIGKILL on 'exit' as a last resort.
 */
type Stopper = { name: string; stop: () => Promise<void> };

const stoppers: Stopper[] = [];
const lastResort = new Set<() => void>();
let stopping: Promise<void> | undefined;
let aborting = false;
let abortCode = 1;

/** True once the run is being torn down (signal, deadline): start nothing new. */
export function isAborting(): boolean {
  return aborting;
}

/** Registers a cleanup step; returns a function that runs it now (once) and unregisters it. */
export function defer(name: string, stop: () => Promise<void>): () => Promise<void> {
  const entry: Stopper = { name, stop };
  stoppers.push(entry);
  let done: Promise<void> | undefined;
  return () => {
    done ??= (async () => {
      const index = stoppers.indexOf(entry);
      if (index >= 0) stoppers.splice(index, 1);
      await stop();
    })();
    return done;
  };
}

/** A synchronous kill to run on process 'exit' if the orderly stop never happened. */
export function onExitKill(kill: () => void): () => void {
  lastResort.add(kill);
  return () => lastResort.delete(kill);
}

/** Runs every registered cleanup step, newest first, each bounded in time. Idempotent. */
export function stopAll(log: (line: string) => void = () => undefined): Promise<void> {
  stopping ??= (async () => {
    while (stoppers.length > 0) {
      const entry = stoppers.pop()!;
      try {
        await withTimeout(entry.stop(), 30_000, `stopping ${entry.name}`);
      } catch (error) {
        log(`cleanup: ${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return stopping;
}

/** Rejects when `promise` has not settled after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result after ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `main` with cleanup guaranteed: on SIGINT/SIGTERM/SIGHUP and when `deadlineMs`
 * passes, everything registered is stopped and the process exits non-zero.
 */
export async function runGuarded(
  main: () => Promise<void>,
  options: { deadlineMs: number; log: (line: string) => void },
): Promise<never> {
  const { log } = options;
  process.on('exit', () => {
    for (const kill of lastResort) {
      try {
        kill();
      } catch {
        // already gone
      }
    }
  });
  const abort = (reason: string, code: number) => {
    if (aborting) return;
    aborting = true;
    abortCode = code;
    log(`\n${reason}: stopping everything this run started...`);
    const force = setTimeout(() => process.exit(code), 45_000);
    force.unref();
    void stopAll(log).finally(() => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => abort(`received ${signal}`, 130));
  }
  const deadline = setTimeout(
    () => abort(`the run took longer than its deadline (${Math.round(options.deadlineMs / 1000)} s, BENCH_TIMEOUT)`, 124),
    options.deadlineMs,
  );
  deadline.unref();

  let code = 0;
  try {
    await main();
  } catch (error) {
    code = 1;
    log(`\nBENCH FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  await stopAll(log);
  clearTimeout(deadline);
  process.exit(aborting ? abortCode : code);
}

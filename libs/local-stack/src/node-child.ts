import type { ChildProcess } from 'node:child_process';

/**
 * Preloaded with `node --import` when a child must not outlive its parent: the parent's
 * end (even by SIGKILL) closes the child's stdin, and the child then stops itself with
 * SIGTERM, through its own graceful shutdown. A data: URL rather than a file, so that it
 * works the same whether this library runs from dist/ or from its TypeScript source.
 */
const EXIT_WITH_PARENT = `data:text/javascript,${encodeURIComponent(
  [
    `process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));`,
    `process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));`,
    `process.stdin.resume();`,
  ].join('\n'),
)}`;

export interface NodeChildOptions {
  /** The script to run, absolute or relative to `cwd`. */
  entry: string;
  /** Node flags before the script, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
  /** Stop when this process ends, even by SIGKILL (stdin becomes a pipe for that). */
  exitWithParent?: boolean;
}

/** The argument vector for `process.execPath`. */
export function nodeArgv(options: NodeChildOptions): string[] {
  return [...(options.nodeArgs ?? []), ...(options.exitWithParent ? ['--import', EXIT_WITH_PARENT] : []), options.entry];
}

/** The child's environment exactly as given, leaving out unset values. */
export function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves with the exit code (null after a signal or a failed spawn); at once when it has exited already. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (!isRunning(child)) return done(child.exitCode);
    child.once('exit', (code) => done(code));
    child.once('error', () => done(null));
  });
}

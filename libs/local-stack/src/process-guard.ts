import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Makes sure the servers started here do not outlive this Node process.
 *
 * - Normal exit (the 'exit' event): every guarded process gets its stop signal
 *   synchronously (PostgreSQL: SIGINT = fast shutdown; Redis: SIGTERM).
 * - SIGINT, SIGTERM, SIGHUP with no other listener for that signal: the same, then the
 *   signal is re-raised so this process dies as it would have without us. With another
 *   listener, that one decides (and should call stop()); 'exit' catches the rest.
 * - SIGKILL (or a crash that skips 'exit'): a small detached watchdog (`node -e`) holds
 *   the read end of a pipe from this process; when the pipe closes because we are gone,
 *   it sends the same stop signals (checking on Linux that each pid still runs the
 *   expected program, so a recycled pid is not hit).
 * - If even the watchdog is killed, a leftover PostgreSQL is found by its postmaster.pid
 *   and stopped at the next start of the same data directory.
 */
export interface GuardedProcess {
  pid: number;
  signal: NodeJS.Signals;
  /** A string the process's command line contains (data dir, program name). */
  marker: string;
}

const guarded = new Map<number, GuardedProcess>();
const forwardedSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;
let watchdog: ChildProcess | undefined;

/** Guards a process until the returned release function is called. */
export function guardProcess(entry: GuardedProcess): () => void {
  guarded.set(entry.pid, entry);
  install();
  tellWatchdog({ op: 'watch', ...entry });
  return () => {
    if (guarded.get(entry.pid) !== entry) return;
    guarded.delete(entry.pid);
    tellWatchdog({ op: 'forget', pid: entry.pid });
    if (guarded.size === 0) uninstall();
  };
}

function signalAll(): void {
  for (const entry of guarded.values()) {
    try {
      process.kill(entry.pid, entry.signal);
    } catch {
      // already gone
    }
  }
  guarded.clear();
}

function onExit(): void {
  signalAll();
}

function onSignal(signal: NodeJS.Signals): void {
  // Another handler owns this signal (e.g. a launcher that first stops its agents, then
  // the stores): leave the order to it; whatever it leaves running is stopped on 'exit'.
  if (process.listeners(signal).some((listener) => listener !== onSignal)) return;
  signalAll();
  uninstall();
  // Die of the signal as we would have without our handler.
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const signal of forwardedSignals) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const signal of forwardedSignals) process.off(signal, onSignal);
  stopWatchdog();
}

// --- watchdog ---------------------------------------------------------------------------

const WATCHDOG_SOURCE = `
const fs = require('fs');
const watched = new Map();
let buffer = '';
for (const s of ['SIGINT', 'SIGHUP', 'SIGTERM']) process.on(s, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let i;
  while ((i = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, i);
    buffer = buffer.slice(i + 1);
    try {
      const m = JSON.parse(line);
      if (m.op === 'watch') watched.set(m.pid, m);
      else if (m.op === 'forget') watched.delete(m.pid);
    } catch {}
  }
});
let fired = false;
const fire = () => {
  if (fired) return;
  fired = true;
  for (const m of watched.values()) {
    try {
      let cmd;
      try { cmd = fs.readFileSync('/proc/' + m.pid + '/cmdline', 'utf8').split('\\0').join(' '); } catch {}
      if (cmd !== undefined && !cmd.includes(m.marker)) continue;
      process.kill(m.pid, m.signal);
    } catch {}
  }
  process.exit(0);
};
process.stdin.on('end', fire);
process.stdin.on('close', fire);
process.stdin.on('error', fire);
`;

function tellWatchdog(message: object): void {
  try {
    if (!watchdog) watchdog = startWatchdog();
    watchdog?.stdin?.write(`${JSON.stringify(message)}\n`);
  } catch {
    // the watchdog is a second line of defence only
  }
}

function startWatchdog(): ChildProcess | undefined {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
    env,
  });
  child.on('error', () => {
    if (watchdog === child) watchdog = undefined;
  });
  child.stdin?.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  // Tell it about everything already guarded (it may be a replacement).
  for (const entry of guarded.values()) child.stdin?.write(`${JSON.stringify({ op: 'watch', ...entry })}\n`);
  return child;
}

function stopWatchdog(): void {
  const child = watchdog;
  watchdog = undefined;
  child?.stdin?.end();
}

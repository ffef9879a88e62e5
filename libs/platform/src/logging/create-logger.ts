import { pino, type DestinationStream, type Logger } from 'pino';
import sonicBoom from 'sonic-boom';
import { lineScrubber } from './redact.js';

// A CommonJS module: its class is a property of the default export.
const { SonicBoom } = sonicBoom;

const FLUSH_EVERY_MS = 500;
const CHUNK_BYTES = 16 * 1024;

/**
 * Where the log lines go: stdout, written asynchronously in chunks of 16 KiB so that
 * logging every request costs few system calls, and at least every half second.
 * sonic-boom runs in buffer mode, each line handed over as a Buffer: in its default
 * (string) mode it measures the whole pending chunk again on every line, which cost a
 * read agent at ~12,000 requests/s about 9% of its CPU.
 */
function stdoutInChunks(): DestinationStream & { flush(cb?: (error?: Error) => unknown): void } {
  const out = new SonicBoom({
    fd: 1,
    sync: false,
    contentMode: 'buffer',
    minLength: CHUNK_BYTES,
    maxWrite: 4 * CHUNK_BYTES,
    periodicFlush: FLUSH_EVERY_MS,
  });
  // A broken stdout must not take the agent down: say so once on stderr, serve on unlogged.
  let broken = false;
  out.on('error', (error: NodeJS.ErrnoException) => {
    if (broken) return;
    broken = true;
    process.stderr.write(`logs can no longer be written to stdout (${error.code ?? error.message}); serving on without them\n`);
  });
  process.once('exit', () => {
    if (broken) return;
    try {
      out.flushSync();
    } catch {
      // stdout is gone: nothing more can be written
    }
  });
  return {
    write: (line: string) => broken || out.write(Buffer.from(line) as unknown as string),
    // sonic-boom also fsyncs on flush, which a pipe refuses (EINVAL): that is no failure here.
    flush: (cb) => out.flush(() => cb?.()),
  };
}

let lastMs = -1;
let lastTime = '';

/**
 * pino's isoTime, formatted once per millisecond: under load an agent writes dozens of
 * access-log lines per millisecond, and toISOString() was a visible part of each.
 */
function isoTimeOncePerMillisecond(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/**
 * The process's one pino logger: JSON lines on stdout; shutdown flushes what is pending.
 * Every line is scrubbed of tokens and of `secrets` (the JWT secret) before it is written
 * (redact.ts).
 */
export function createLogger(level: string, name: string, secrets: ReadonlyArray<string | undefined> = []): Logger {
  return pino(
    {
      level,
      name,
      base: { service: name },
      timestamp: isoTimeOncePerMillisecond,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
      hooks: { streamWrite: lineScrubber(secrets) },
    },
    stdoutInChunks(),
  );
}

import { pino, type Logger } from 'pino';

const FLUSH_EVERY_MS = 500;

/**
 * The process's one pino logger: JSON lines on stdout, written asynchronously in chunks
 * of 4 KiB so that logging every request costs few system calls; a timer flushes what
 * is left every half second, and shutdown flushes the rest.
 */
export function createLogger(level: string, name: string): Logger {
  const logger = pino(
    {
      level,
      name,
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['req.headers.authorization'], remove: true },
    },
    pino.destination({ sync: false, minLength: 4096 }),
  );
  setInterval(() => logger.flush(), FLUSH_EVERY_MS).unref();
  return logger;
}

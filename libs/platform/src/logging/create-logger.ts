import { pino, type Logger } from 'pino';

/** The process's one pino logger: JSON lines on stdout, written asynchronously. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    level,
    name,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization'], remove: true },
  }, pino.destination({ sync: false }));
}

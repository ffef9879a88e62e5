import net from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { draining } from './draining.js';

/**
 * Listens, then on SIGTERM/SIGINT stops accepting, lets in-flight requests finish,
 * then closes the pools (Nest's shutdown hooks) and exits 0. Nest's own enableShutdownHooks
 * re-raises the signal after closing, which would end the process with 143 instead.
 */
/** How long a keep-alive connection may stay idle after the signal before it is closed. */
const IDLE_GRACE_MS = 1_000;
/** How long the listener stays open after the signal, for connections already queued. */
const ACCEPT_BACKLOG_MS = 50;
/**
 * The agent's own deadline after the signal: it exits (1) then, drained or not. Every
 * grace period around it (Kubernetes' terminationGracePeriodSeconds after the preStop
 * hook, compose's stop_grace_period) must be longer, or SIGKILL lands while logs flush.
 */
export const SHUTDOWN_DEADLINE_MS = 25_000;

export async function listenUntilTerminated(
  app: NestFastifyApplication,
  logger: Logger,
  address: { port: number; host: string },
): Promise<void> {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    draining.active = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const forceExit = setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting`);
      logger.flush();
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    forceExit.unref();
    // Stop accepting first, before any shutdown hook runs: Nest's close() runs the
    // modules' destroy hooks before it closes the server, and a connection accepted
    // meanwhile would be cut. net.Server's close stops listening only; http.Server's
    // (Node 19+) would also cut every idle keep-alive connection at once, racing a client
    // that is sending its next request on one. Instead each answer now says
    // `connection: close`, and only connections still idle after IDLE_GRACE_MS are closed.
    // The listener closes one poll later: connections the kernel completed before the
    // signal but that a busy event loop has not accepted yet would be reset with it.
    const server = app.getHttpServer();
    const allClosed = new Promise<void>((closed) =>
      setTimeout(() => net.Server.prototype.close.call(server, () => closed()), ACCEPT_BACKLOG_MS),
    );
    let reaper: NodeJS.Timeout | undefined;
    const grace = setTimeout(() => {
      reaper = setInterval(() => server.closeIdleConnections(), 100);
      reaper.unref();
      server.closeIdleConnections();
    }, IDLE_GRACE_MS);
    grace.unref();
    allClosed
      .then(() => {
        clearTimeout(grace);
        clearInterval(reaper);
        return app.close();
      })
      .then(() => {
        logger.info('shut down cleanly');
        logger.flush(() => process.exit(0));
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        logger.flush(() => process.exit(1));
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await app.listen(address.port, address.host);
  logger.info({ url: await app.getUrl() }, 'listening');
}

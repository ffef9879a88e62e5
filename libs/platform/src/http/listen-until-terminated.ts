import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';

/**
 * Listens, then on SIGTERM/SIGINT stops accepting, lets in-flight requests finish,
 * closes the pools (Nest's shutdown hooks) and exits 0. Nest's own enableShutdownHooks
 * re-raises the signal after closing, which would end the process with 143 instead.
 */
export async function listenUntilTerminated(
  app: NestFastifyApplication,
  logger: Logger,
  address: { port: number; host: string },
): Promise<void> {
  let closing = false;
  // A keep-alive connection whose request was in flight at SIGTERM would stay open after
  // its answer and hold server.close() until the client's idle timeout: tell it to close.
  app.getHttpAdapter().getInstance().addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    const reaper = setInterval(() => app.getHttpServer().closeIdleConnections(), 100);
    reaper.unref();
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const forceExit = setTimeout(() => {
      logger.error('shutdown took longer than 25 s; exiting');
      logger.flush();
      process.exit(1);
    }, 25_000);
    forceExit.unref();
    app
      .close()
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

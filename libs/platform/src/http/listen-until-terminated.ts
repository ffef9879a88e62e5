import { Server as NetServer, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';

/** A keep-alive connection without a request for this long is closed while draining. */
const IDLE_GRACE_MS = 500;
/** The longest the drain waits for connections before Nest closes the rest. */
const DRAIN_MS = 10_000;

/**
 * Every open connection of the server, with the requests in flight on it and when it
 * last went idle.
 */
function trackConnections(server: HttpServer) {
  const connections = new Map<Socket, { inFlight: number; idleSince: number }>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { inFlight: 0, idleSince: Date.now() });
    socket.once('close', () => connections.delete(socket));
  });
  server.on('request', (request, response) => {
    const connection = connections.get(request.socket);
    if (!connection) return;
    connection.inFlight++;
    response.once('close', () => {
      connection.inFlight--;
      connection.idleSince = Date.now();
    });
  });
  return {
    get open() {
      return connections.size;
    },
    /** Closes the connections that have had no request for IDLE_GRACE_MS. */
    closeIdle() {
      const before = Date.now() - IDLE_GRACE_MS;
      for (const [socket, connection] of connections) {
        if (connection.inFlight === 0 && connection.idleSince <= before) socket.destroy();
      }
    },
  };
}

/**
 * Listens, then on SIGTERM/SIGINT stops accepting, lets in-flight requests finish,
 * closes the pools (Nest's shutdown hooks) and exits 0. Nest's own enableShutdownHooks
 * re-raises the signal after closing, which would end the process with 143 instead.
 *
 * Draining: new connections are refused at once; every answer from then on says
 * `Connection: close`, so a client that keeps sending learns with its next answer not to
 * reuse the connection. A keep-alive connection is closed only once it has been idle for
 * IDLE_GRACE_MS: closing one at once (what http.Server.close() and fastify do) reset
 * requests that clients were sending on it at that moment, tens of them under 50 clients.
 */
export async function listenUntilTerminated(
  app: NestFastifyApplication,
  logger: Logger,
  address: { port: number; host: string },
): Promise<void> {
  let closing = false;
  const server = app.getHttpServer() as HttpServer;
  const connections = trackConnections(server);
  app.getHttpAdapter().getInstance().addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  const drained = async () => {
    const deadline = Date.now() + DRAIN_MS;
    while (connections.open > 0 && Date.now() < deadline) {
      connections.closeIdle();
      await new Promise((done) => setTimeout(done, 50));
    }
  };
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    // The listening socket alone: http.Server.close() would also close every connection
    // that looks idle, with requests possibly on their way.
    NetServer.prototype.close.call(server);
    const forceExit = setTimeout(() => {
      logger.error('shutdown took longer than 25 s; exiting');
      logger.flush();
      process.exit(1);
    }, 25_000);
    forceExit.unref();
    drained()
      .then(() => app.close())
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

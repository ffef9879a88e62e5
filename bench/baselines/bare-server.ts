/**
 * What every bare baseline server shares: `node:http` with the agents' keep-alive, the
 * address from PORT and HOST (127.0.0.1 by default), and a shutdown on SIGTERM/SIGINT
 * that closes the server, then its store (`close`), within 5 s.
 */
import { createServer, type RequestListener } from 'node:http';

export function serveBare(defaultPort: number, listener: RequestListener, close: () => Promise<unknown>): void {
  const server = createServer(listener);
  server.keepAliveTimeout = 65_000;
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    server.close();
    server.closeAllConnections();
    void close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  server.listen(Number(process.env.PORT ?? defaultPort), process.env.HOST ?? '127.0.0.1');
}

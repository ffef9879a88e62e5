/**
 * What every bare baseline server shares: `node:http` with the agents' keep-alive, the
 * address from PORT and HOST (127.0.0.1 by default), GET /health/ready (200 when its
 * store answers `ready`, else 503), and a shutdown on SIGTERM/SIGINT that closes the
 * server, then its store (`close`), within 5 s.
 */
import { createServer, type RequestListener } from 'node:http';

export interface BareStore {
  ready(): Promise<unknown>;
  close(): Promise<unknown>;
}

export function serveBare(defaultPort: number, store: BareStore, listener: RequestListener): void {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/health/ready') return listener(request, response);
    const answer = (status: number) => {
      const body = JSON.stringify({ status: status === 200 ? 'ok' : 'error' });
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    };
    store.ready().then(() => answer(200), () => answer(503));
  });
  server.keepAliveTimeout = 65_000;
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    server.close();
    server.closeAllConnections();
    void store.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  server.listen(Number(process.env.PORT ?? defaultPort), process.env.HOST ?? '127.0.0.1');
}

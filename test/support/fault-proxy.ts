import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with a request: forward it, cut the connection, or answer 503. */
export type ProxyMode = 'pass' | 'reset' | 'unavailable';

/**
 * An HTTP proxy on loopback in front of a real agent, for faults between a client and it:
 * `reset` destroys each connection (a transport error), `unavailable` answers as an agent
 * whose store is down does (503 problem+json with Retry-After).
 */
export class FaultProxy {
  mode: ProxyMode = 'pass';
  /** Each request's path and arrival time, in order. */
  readonly requests: Array<{ path: string; at: number; mode: ProxyMode }> = [];
  private server?: Server;

  constructor(
    private readonly target: string,
    private readonly retryAfterSeconds = 1,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const mode = this.mode;
        this.requests.push({ path: request.url ?? '', at: Date.now(), mode });
        if (mode === 'reset') return request.socket.destroy();
        if (mode === 'unavailable') {
          response.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': String(this.retryAfterSeconds) });
          return response.end(JSON.stringify({ type: 'urn:problem:store-unavailable', title: 'Service Unavailable', status: 503, detail: 'The primary is not answering.' }));
        }
        const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'connection' && name !== 'content-length')) as Record<string, string>;
        fetch(`${this.target}${request.url}`, { method: request.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
          .then(async (answer) => {
            const kept = [...answer.headers].filter(([name]) => !['content-length', 'transfer-encoding', 'content-encoding', 'connection'].includes(name));
            response.writeHead(answer.status, Object.fromEntries(kept));
            response.end(Buffer.from(await answer.arrayBuffer()));
          })
          .catch(() => request.socket.destroy());
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

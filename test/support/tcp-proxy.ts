import { createServer, connect, type Server, type Socket } from 'node:net';
import { getFreePort } from '@app/local-stack';

/**
 * A TCP forwarder on 127.0.0.1 that the test moves from one server to another, standing
 * for what a Kubernetes Service or CloudNativePG's `-rw` Service does on a failover: the
 * agents keep one address, and `moveTo` sends new connections elsewhere and cuts the open
 * ones. Paused, it refuses nothing and forwards nothing (connections wait), as an
 * endpoint with no ready backend does.
 */
export interface TcpProxy {
  readonly port: number;
  /** New connections go to `port`; open ones are destroyed. */
  moveTo(port: number): void;
  /** Stops forwarding until the next moveTo: open connections are destroyed, new ones refused. */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target: number | undefined = targetPort;
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (target === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: target });
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await getFreePort();
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening));
  const dropAll = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port,
    moveTo(next) {
      target = next;
      dropAll();
    },
    cut() {
      target = undefined;
      dropAll();
    },
    close: () =>
      new Promise<void>((closed) => {
        dropAll();
        server.close(() => closed());
      }),
  };
}

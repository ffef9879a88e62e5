import type { Redis } from 'ioredis';

export interface HungMasterWatchOptions {
  /** Between two pings. */
  intervalMs?: number;
  /** A ping that takes longer is a miss. */
  timeoutMs?: number;
  /** Misses in a row that make the client reconnect. */
  misses?: number;
  onReconnect?: (reason: string) => void;
}

/**
 * With Sentinel, a master that hangs without closing its connections (SIGSTOP, a partition
 * that drops packets) is replaced by the sentinels, but a connected client stays on the
 * hung node: nothing closes its socket, and ioredis' own failover detector is off
 * (see createRedisClient). So the client pings; after `misses` pings in a row without an
 * answer it drops the connection and reconnects, which asks the sentinels for the master
 * again. Until they have promoted a replica they still name the hung node, and the next
 * misses reconnect once more. Only a client on an open connection is touched ('ready', or
 * 'connect': connected, its ready check unanswered): while ioredis is between attempts
 * itself, a disconnect would end the client for good ("Connection is closed.", no more
 * attempts), as the SIGKILL failover test showed. A client without sentinels is not
 * watched: reconnecting would only reach the same node. Returns the function that stops
 * the watch.
 */
export function watchForHungMaster(client: Redis, options: HungMasterWatchOptions = {}): () => void {
  if (!client.options.sentinels?.length) return () => undefined;
  const { intervalMs = 1_000, timeoutMs = 1_000, misses = 2 } = options;
  let missed = 0;
  let pinging = false;
  const onOpenConnection = () => client.status === 'ready' || client.status === 'connect';
  const timer = setInterval(() => {
    if (pinging) return;
    if (!onOpenConnection()) {
      missed = 0;
      return;
    }
    pinging = true;
    let timeout: NodeJS.Timeout | undefined;
    const answered = Promise.race([
      client.ping().then(() => true, () => false),
      new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    void answered.then((ok) => {
      clearTimeout(timeout);
      pinging = false;
      missed = ok || !onOpenConnection() ? 0 : missed + 1;
      if (missed < misses) return;
      missed = 0;
      options.onReconnect?.(`${misses} pings in a row unanswered within ${timeoutMs} ms`);
      client.disconnect(true);
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

import { Redis } from 'ioredis';

/**
 * SIGSTOP and SIGCONT of a redis-server, found by the process id it reports: a Redis that
 * stops answering while its connections stay open, then wakes up.
 */
export class RedisFreeze {
  frozenAt = 0;
  thawedAt = 0;

  private constructor(readonly pid: number) {}

  static async of(url: string): Promise<RedisFreeze> {
    const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await client.connect();
      const pid = /process_id:(\d+)/.exec(await client.info('server'))?.[1];
      if (!pid) throw new Error(`no process_id in INFO server of ${url}`);
      return new RedisFreeze(Number(pid));
    } finally {
      client.disconnect();
    }
  }

  get frozen(): boolean {
    return this.frozenAt > this.thawedAt;
  }

  freeze(): void {
    process.kill(this.pid, 'SIGSTOP');
    this.frozenAt = Date.now();
  }

  /** Idempotent, so that an afterAll can thaw whatever a failed test left frozen. */
  thaw(): void {
    if (!this.frozen) return;
    try {
      process.kill(this.pid, 'SIGCONT');
    } catch {
      // exited meanwhile
    }
    this.thawedAt = Date.now();
  }
}

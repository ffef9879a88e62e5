import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { findExecutable } from './find-executable.js';
import { getFreePort } from './free-port.js';
import { formatTail, LineRing } from './log-tail.js';
import { guardProcess } from './process-guard.js';
import { waitFor } from './wait.js';

export interface RedisServerOptions {
  /** Default: a free port. */
  port?: number;
  /** Default: `redis-server` found on PATH. */
  binary?: string;
  /** Default 15 s. */
  startTimeoutMs?: number;
  /** Receives the server's log lines. */
  log?: (line: string) => void;
  /**
   * A configuration file, passed first (before the port and other arguments): a Sentinel
   * needs one it can rewrite.
   */
  configFile?: string;
  /** More arguments, after the defaults: e.g. `--replicaof 127.0.0.1 PORT`, or `--sentinel`. */
  args?: string[];
}

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** SIGTERM, resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, at once (for fault-injection tests); the process exits shortly after. */
  kill(): void;
  /** Stops (if running) and starts again on the same port, empty. */
  restart(): Promise<void>;
}

/**
 * Starts `redis-server` on 127.0.0.1 without persistence (`--save "" --appendonly no`).
 * Resolves once it answers on its port (checked by pid, so another Redis already on that
 * port is not mistaken for it), or `null` when no redis-server is installed.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer | null> {
  const binary = findExecutable(options.binary ?? 'redis-server');
  if (!binary) return null;
  const server = new RedisProcess(binary, options.port ?? (await getFreePort()), options);
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      return server;
    } catch (error) {
      if (options.port !== undefined || attempt >= 3 || !server.lastLog().includes('Address already in use')) throw error;
      server.movePort(await getFreePort());
    }
  }
}

class RedisProcess implements RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;
  private ring = new LineRing(60);
  private currentPort: number;

  constructor(
    private readonly binary: string,
    port: number,
    private readonly options: RedisServerOptions,
  ) {
    this.currentPort = port;
  }

  get port(): number {
    return this.currentPort;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.currentPort}`;
  }

  movePort(port: number): void {
    this.currentPort = port;
  }

  lastLog(): string {
    return this.ring.text();
  }

  async start(): Promise<void> {
    this.ring = new LineRing(60);
    const args = [
      ...(this.options.configFile ? [this.options.configFile] : []),
      '--port', String(this.currentPort),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--logfile', '',
      ...(this.options.args ?? []),
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let exitedWith: string | undefined;
    let spawnError: Error | undefined;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exitedWith = `exited with ${code ?? signal}`;
        if (this.child === child) {
          this.release?.();
          this.release = undefined;
        }
        resolve();
      });
      child.once('error', (error) => {
        spawnError = error;
        exitedWith = `could not start: ${error.message}`;
        resolve();
      });
    });
    const onLine = this.options.log;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => this.ring.push(chunk, onLine));
    }
    // Do not keep the event loop alive on its account; cleanup on exit is guarded below.
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void })?.unref?.();
    if (child.pid !== undefined) {
      this.release = guardProcess({ pid: child.pid, signal: 'SIGTERM', marker: 'redis-server' });
    }
    try {
      const port = this.currentPort;
      const answersAsUs = async (): Promise<true | undefined> => {
        const pid = await answeringPid(port);
        if (pid !== undefined && pid !== child.pid) throw new Error(`another redis-server (pid ${pid}) answers on port ${port}`);
        return pid === undefined ? undefined : true;
      };
      const commandLine = [this.binary, ...args.map((arg) => (arg === '' ? '""' : arg))].join(' ');
      await waitFor(`redis-server (pid ${child.pid}) answering on port ${port}`, answersAsUs, {
        timeoutMs: this.options.startTimeoutMs ?? 15_000,
        abort: () => exitedWith,
        details: async () => formatTail(commandLine, this.ring.text()),
      });
    } catch (error) {
      if (!spawnError) await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }

  kill(): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/**
 * The pid of the redis-server answering on `port` (from INFO server), or undefined when
 * none answers yet. Tells our server apart from another one already on that port.
 */
function answeringPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (value: number | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(1_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.startsWith('-')) return done(undefined); // e.g. -LOADING
      const match = /process_id:(\d+)\r\n/.exec(reply);
      if (match) done(Number(match[1]));
    });
  });
}

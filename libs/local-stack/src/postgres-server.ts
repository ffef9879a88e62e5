import { readFileSync } from 'node:fs';
import { chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getFreePort } from './free-port.js';
import { fileTail, formatTail } from './log-tail.js';
import { postgresUrl, withClient } from './pg-client.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import { writeSettings, type Settings } from './postgres-config.js';
import { commandLine, isAlive, readPidFile } from './process-info.js';
import { guardProcess } from './process-guard.js';
import { runCommand } from './run-command.js';
import type { ServerUser } from './server-user.js';
import { waitFor } from './wait.js';

export interface PostgresServerOptions {
  /** For messages: "primary", "replica-1". */
  name: string;
  pgdata: string;
  logFile: string;
  binaries: PostgresBinaries;
  user: ServerUser | undefined;
  port: number;
  /** The port was picked by us: on "address in use" at the first start, retry with another free port. */
  portIsOurs: boolean;
  /** All settings for a given port; written to postgresql.auto.conf before each start. */
  settings: (port: number) => Settings;
  startTimeoutMs: number;
  log: (line: string) => void;
}

/** One PostgreSQL server (primary or standby) driven through pg_ctl. */
export class PostgresServer {
  private currentPort: number;
  /** After the first successful start the port is the server's identity (its URL). */
  private portFixed: boolean;
  private release: (() => void) | undefined;

  constructor(private readonly options: PostgresServerOptions) {
    this.currentPort = options.port;
    this.portFixed = !options.portIsOurs;
  }

  get name(): string {
    return this.options.name;
  }

  get port(): number {
    return this.currentPort;
  }

  get pgdata(): string {
    return this.options.pgdata;
  }

  url(database = 'postgres'): string {
    return postgresUrl(this.currentPort, database);
  }

  /** The postmaster's pid while it runs (per postmaster.pid), else undefined. */
  runningPid(): Promise<number | undefined> {
    return runningPostmasterPid(this.options.pgdata);
  }

  /** Starts it and resolves once it accepts SQL connections on its port. */
  async start(): Promise<void> {
    await this.clearLeftovers();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.startOnce();
        this.portFixed = true;
        return;
      } catch (error) {
        const portTaken = (await fileTail(this.options.logFile, 20)).includes('Address already in use');
        if (!portTaken || this.portFixed || attempt >= 3) throw error;
        this.currentPort = await getFreePort();
        this.options.log(`${this.name}: port taken, retrying on ${this.currentPort}`);
      }
    }
  }

  /** `pg_ctl stop -m fast` (falls back to immediate); a no-op when it is not running. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (mode === 'immediate' && (await this.runningPid()) !== undefined) {
      await this.pgCtl(['stop', '-m', 'immediate', '-w', '-t', '30']);
    }
    if ((await this.runningPid()) !== undefined) {
      const fast = await this.pgCtl(['stop', '-m', 'fast', '-w', '-t', '60']);
      if (fast.code !== 0 && (await this.runningPid()) !== undefined) {
        this.options.log(`${this.name}: fast shutdown failed (${fast.stderr.trim()}), using immediate`);
        await this.pgCtl(['stop', '-m', 'immediate', '-w', '-t', '30']);
      }
    }
    this.release?.();
    this.release = undefined;
  }

  /** The first line of this run's log matching `pattern`, if any. */
  logLineMatching(pattern: RegExp): string | undefined {
    try {
      return readFileSync(this.options.logFile, 'utf8')
        .split('\n')
        .find((line) => pattern.test(line));
    } catch {
      return undefined;
    }
  }

  async logTail(lines = 40): Promise<string> {
    return formatTail(`${this.name} log ${this.options.logFile}`, await fileTail(this.options.logFile, lines));
  }

  private async startOnce(): Promise<void> {
    const { pgdata, logFile, user, startTimeoutMs } = this.options;
    await writeSettings(pgdata, this.options.settings(this.currentPort), user);
    // One run per log file: the tail shown on failure is about this start.
    await writeFile(logFile, '');
    if (user) await chown(logFile, user.uid, user.gid);
    const seconds = String(Math.ceil(startTimeoutMs / 1000));
    const result = await this.pgCtl(['start', '-w', '-t', seconds, '-l', logFile], startTimeoutMs + 10_000);
    const pid = await this.runningPid();
    if (pid !== undefined) {
      this.release?.();
      this.release = guardProcess({ pid, signal: 'SIGINT', marker: pgdata });
    }
    if (result.code !== 0) {
      if (pid !== undefined) await this.stop().catch(() => undefined);
      throw new Error(
        `PostgreSQL ${this.name} (port ${this.currentPort}, ${pgdata}) did not start: ` +
          `pg_ctl exited with ${result.code ?? result.signal}: ${result.stderr.trim() || result.stdout.trim()}\n` +
          (await this.logTail()),
      );
    }
    const url = this.url();
    try {
      await waitFor(
        `PostgreSQL ${this.name} accepting connections on port ${this.currentPort}`,
        () => withClient(url, async (client) => (await client.query('SELECT 1')).rowCount ?? 0, 2_000),
        {
          timeoutMs: startTimeoutMs,
          details: () => this.logTail(),
          abort: () => (pid !== undefined && isAlive(pid) ? undefined : 'the server process exited'),
        },
      );
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
    this.options.log(`${this.name}: PostgreSQL accepting connections on 127.0.0.1:${this.currentPort} (${pgdata})`);
  }

  /**
   * A postmaster.pid left by a run that did not stop its server (SIGKILL of Node and
   * of the watchdog): if that server still runs, stop it; if the pid is dead or belongs
   * to another program (pids get reused), remove the file, which PostgreSQL would
   * otherwise refuse to start over.
   */
  private async clearLeftovers(): Promise<void> {
    const pidFile = join(this.options.pgdata, 'postmaster.pid');
    const pid = await readPostmasterPid(this.options.pgdata);
    if (pid === undefined) return;
    if ((await this.runningPid()) === pid) {
      this.options.log(`${this.name}: stopping a server left running by an earlier run (pid ${pid})`);
      const fast = await this.pgCtl(['stop', '-m', 'fast', '-w', '-t', '30']);
      if (fast.code !== 0) await this.pgCtl(['stop', '-m', 'immediate', '-w', '-t', '30']);
      return;
    }
    this.options.log(`${this.name}: removing stale postmaster.pid (pid ${pid} is not this server)`);
    await rm(pidFile, { force: true });
  }

  private pgCtl(args: string[], timeoutMs = 90_000) {
    return runCommand(this.options.binaries.pgCtl, [...args, '-D', this.options.pgdata], {
      user: this.options.user,
      timeoutMs,
    });
  }
}

/** The pid in pgdata/postmaster.pid while that server runs; not a dead pid, nor one reused by another program. */
export async function runningPostmasterPid(pgdata: string): Promise<number | undefined> {
  const pid = await readPostmasterPid(pgdata);
  if (pid === undefined || !isAlive(pid)) return undefined;
  const command = commandLine(pid);
  return command === undefined || command.includes(pgdata) ? pid : undefined;
}

export function readPostmasterPid(pgdata: string): Promise<number | undefined> {
  return readPidFile(join(pgdata, 'postmaster.pid'));
}

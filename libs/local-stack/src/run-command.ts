import { spawn } from 'node:child_process';
import type { ServerUser } from './server-user.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Run as this OS user (only when we are root). */
  user?: ServerUser;
  timeoutMs?: number;
}

/**
 * The environment for the PostgreSQL tools: ours without PG* variables (they would
 * silently change what initdb/pg_ctl do) and with untranslated messages.
 */
export function toolEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  env.LC_MESSAGES = 'C';
  env.LANG = 'C';
  delete env.LC_ALL;
  delete env.NODE_OPTIONS;
  if (!env.HOME) env.HOME = '/tmp';
  return env;
}

/** Runs a program to completion, capturing its output. Never rejects for a non-zero exit. */
export function runCommand(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: toolEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = options.timeoutMs
      ? setTimeout(() => {
          stderr += `\n(killed after ${options.timeoutMs} ms)`;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.once('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`could not run ${file}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export async function runOrThrow(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) {
    const how = result.code === null ? `signal ${result.signal}` : `code ${result.code}`;
    const output = `${result.stdout}\n${result.stderr}`.trim();
    throw new Error(`${file} ${args.join(' ')} failed (${how})${output ? `:\n${output}` : ''}`);
  }
  return result;
}

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNodeProgram, startAgentProcess } from '@app/local-stack';

// A stand-in for an agent: ready after READY_AFTER_MS, logs its shutdown on SIGTERM
// (or ignores SIGTERM with STUBBORN=1), and writes its last line without a newline.
const SERVICE = `
import { createServer } from 'node:http';
const readyAt = Date.now() + Number(process.env.READY_AFTER_MS ?? 0);
const server = createServer((request, response) => {
  response.statusCode = request.url === '/health/ready' && Date.now() >= readyAt ? 200 : 503;
  response.end('ok');
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log(JSON.stringify({ msg: 'listening', port: process.env.PORT })));
console.error('a line on stderr');
process.on('SIGTERM', () => {
  if (process.env.STUBBORN) return;
  console.log('shutting down');
  server.close(() => {
    process.stdout.write('shut down cleanly');
    process.exit(0);
  });
});
`;

/** Alive and not a zombie (an orphan's zombie lingers where nothing reaps it). */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

let dir: string;
let service: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-process-test-'));
  service = join(dir, 'service.mjs');
  await writeFile(service, SERVICE);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, ...extra });

describe('startAgentProcess', () => {
  it('resolves once ready, hands on lines of both streams, and stop() resolves after the last line', async () => {
    const lines: string[] = [];
    const logFile = join(dir, 'both.log');
    const agent = await startAgentProcess({
      name: 'service',
      entry: service,
      env: env({ READY_AFTER_MS: '300' }),
      logFile,
      onLine: (line, stream) => lines.push(`${stream}: ${line}`),
    });
    expect(agent.url).toBe(`http://127.0.0.1:${agent.port}`);
    expect((await fetch(`${agent.url}/health/ready`)).status).toBe(200);
    expect(lines).toContain('stderr: a line on stderr');

    expect(await agent.stop()).toBe(0);
    expect(lines.at(-1)).toBe('stdout: shut down cleanly');
    expect(await readFile(logFile, 'utf8')).toMatch(/shutting down\nshut down cleanly$/);
    expect(await agent.stop(), 'idempotent').toBe(0);
  });

  it('writes straight to the log file without onLine, and tail() reads it', async () => {
    const logFile = join(dir, 'file-only.log');
    const agent = await startAgentProcess({ name: 'service', entry: service, env: env(), logFile });
    await agent.stop();
    expect(await agent.tail(2)).toBe('shutting down\nshut down cleanly');
  });

  it('kills what is not ready in time, with the end of its output in the error', async () => {
    let pid: number | undefined;
    const failed = startAgentProcess({
      name: 'slow-service',
      entry: service,
      env: env({ READY_AFTER_MS: '60000' }),
      readyTimeoutMs: 1_000,
      onLine: () => undefined,
      onSpawn: (agent) => (pid = agent.pid),
    });
    await expect(failed).rejects.toThrow(/slow-service was not ready after 1 s:\n[\s\S]*a line on stderr/);
    expect(isAlive(pid!)).toBe(false);
  });

  it('reports an exit before ready, and calls onUnexpectedExit', async () => {
    let unexpected: number | null | undefined;
    const failed = startAgentProcess({
      name: 'broken',
      entry: join(dir, 'missing.mjs'),
      env: env(),
      onLine: () => undefined,
      onUnexpectedExit: (code) => (unexpected = code),
    });
    await expect(failed).rejects.toThrow(/broken exited with 1 before it was ready:\n[\s\S]*Cannot find module/);
    expect(unexpected).toBe(1);
  });

  it('sends SIGKILL when SIGTERM does not end it within stopTimeoutMs', async () => {
    const agent = await startAgentProcess({ name: 'stubborn', entry: service, env: env({ STUBBORN: '1' }), stopTimeoutMs: 500 });
    const started = Date.now();
    expect(await agent.stop()).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('with exitWithParent, stops itself when its parent is killed with SIGKILL', async () => {
    // A parent process that launches the service, prints its pid, then waits to be killed.
    const parent = join(dir, 'parent.mjs');
    const library = join(import.meta.dirname, '../../dist/libs/local-stack/src/index.js');
    await writeFile(
      parent,
      `import { startAgentProcess } from ${JSON.stringify(library)};
       const agent = await startAgentProcess({ name: 'child', entry: ${JSON.stringify(service)}, env: { PATH: process.env.PATH }, exitWithParent: true });
       console.log(agent.pid);
       setInterval(() => undefined, 1000);`,
    );
    const launcher = spawn(process.execPath, [parent], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((done) => launcher.stdout.once('data', (chunk: Buffer) => done(Number(chunk.toString().trim()))));
    expect(isAlive(childPid)).toBe(true);
    launcher.kill('SIGKILL');
    const deadline = Date.now() + 5_000;
    while (isAlive(childPid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
    expect(isAlive(childPid)).toBe(false);
  });
});

describe('runNodeProgram', () => {
  it('returns the exit code and everything written', async () => {
    const script = join(dir, 'once.mjs');
    await writeFile(script, `console.log('out'); console.error('err'); process.exitCode = 3;`);
    const result = await runNodeProgram({ entry: script, env: env(), timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: 3, timedOut: false });
    expect(result.output).toContain('out\n');
    expect(result.output).toContain('err\n');
  });

  it('kills a program at timeoutMs', async () => {
    const script = join(dir, 'forever.mjs');
    await writeFile(script, `setInterval(() => undefined, 1000);`);
    const result = await runNodeProgram({ entry: script, env: env(), timeoutMs: 300 });
    expect(result).toMatchObject({ code: null, timedOut: true });
  });
});

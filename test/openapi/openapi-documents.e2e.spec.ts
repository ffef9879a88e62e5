import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http-client.js';
import { startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';
import { CLIENT_CALLS } from './client-calls.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = (name: string) => join(ROOT, 'node_modules/.bin', name);

const OPERATIONS = {
  write: ['registerAgent', 'updateAgent', 'pauseAgent', 'resumeAgent', 'retireAgent', 'submitTask', 'startTask', 'completeTask', 'failTask', 'cancelTask'],
  read: ['getAgent', 'listAgents', 'getTask', 'listTasks', 'getStats', 'getAgentHistory', 'getTaskHistory'],
};
const COMMAND_HEADERS = ['If-Match', 'Idempotency-Key', 'X-Request-Id'];
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'];

interface Operation {
  operationId?: string;
  parameters?: Array<{ name: string; in: string }>;
}
type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.values(document.paths).flatMap((item) =>
    Object.entries(item).flatMap(([method, operation]) => (METHODS.includes(method) ? [operation] : [])),
  );
}

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

let writer: WriteAgentFixture;
let reader: ReadAgentFixture;
const documents: Record<'write' | 'read', OpenApiDocument> = {} as never;
// Inside the checkout, so that the generated client resolves openapi-fetch from node_modules.
mkdirSync(join(ROOT, '.data'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.data', 'openapi-'));

beforeAll(async () => {
  writer = await startWriteAgent('openapi');
  reader = await startReadAgent({ DATABASE_URL: writer.db.primaryUrl });
  for (const [side, url] of [['write', writer.agent.url], ['read', reader.agent.url]] as const) {
    const answer = await new HttpClient(url).get('/docs-json');
    expect(answer.status).toBe(200);
    documents[side] = answer.body;
    writeFileSync(join(dir, `${side}-agent.json`), JSON.stringify(answer.body));
  }
});

afterAll(async () => {
  await reader?.stop();
  await writer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the OpenAPI documents', () => {
  it.each(['write', 'read'] as const)('of the %s agent name each operation after its command or query', (side) => {
    const ids = operationsOf(documents[side]).map((operation) => operation.operationId);
    expect(ids.sort()).toEqual([...OPERATIONS[side]].sort());
  });

  it('document If-Match, Idempotency-Key and X-Request-Id on every command', () => {
    for (const operation of operationsOf(documents.write)) {
      const headers = (operation.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
      expect(headers, operation.operationId).toEqual(expect.arrayContaining(COMMAND_HEADERS));
    }
  });

  it.each(['write', 'read'] as const)('of the %s agent pass the Redocly linter with no error and no warning', (side) => {
    const lint = spawnSync(BIN('redocly'), ['lint', join(dir, `${side}-agent.json`), '--format=json'], { cwd: ROOT, encoding: 'utf8' });
    const report = JSON.parse(lint.stdout) as { totals: Record<string, number>; problems: Array<{ ruleId: string; message: string }> };
    const problems = report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(lint.status).toBe(0);
  });

  it('generate a typed client in which a call of every operation type-checks, and a wrong call does not', () => {
    for (const side of ['write', 'read'] as const) {
      const generated = run(BIN('openapi-typescript'), [join(dir, `${side}-agent.json`), '-o', join(dir, `${side}-agent.d.ts`)]);
      expect(generated.status, generated.output).toBe(0);
    }
    const called = new Set([...CLIENT_CALLS.matchAll(/\/\/ (\w+)$/gm)].map((match) => match[1]));
    expect([...called].sort()).toEqual([...OPERATIONS.write, ...OPERATIONS.read].sort());
    writeFileSync(join(dir, 'client.ts'), CLIENT_CALLS);
    const check = run(process.execPath, [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023',
      '--skipLibCheck', '--types', 'node',
      join(dir, 'client.ts'),
    ]);
    expect(check.status, check.output).toBe(0);
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// The Kubernetes backup CronJob's own script, run here as the Job would run it, against a
// real database and a directory standing for its volume.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const cronJob = parse(readFileSync(join(ROOT, 'deploy/k8s/components/backups/backup-cronjob.yaml'), 'utf8'));
const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0];

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('backup_cronjob');
  dir = await mkdtemp(join(tmpdir(), 'backup-cronjob-'));
});
afterAll(async () => {
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('runs daily at 02:00 UTC, one at a time, with DATABASE_URL from the Secret, into the backups volume', () => {
  expect(cronJob.spec).toMatchObject({ schedule: '0 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
  expect(container.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'agent-fleet-secrets', key: 'DATABASE_URL' } } }]);
  expect(container.volumeMounts).toEqual([{ name: 'backups', mountPath: '/backups' }]);
  // A pinned release of the server's major version, never a floating tag.
  expect(container.image).toMatch(/^postgres:15\.\d+$/);
});

it('writes a restorable archive and keeps the 7 newest', async () => {
  // Eight archives of earlier days, oldest first.
  for (let day = 1; day <= 8; day++) {
    const file = join(dir, `agent-fleet-2026110${day}T020000Z.dump`);
    await writeFile(file, 'an older archive');
    const at = new Date(Date.UTC(2026, 10, day, 2));
    await utimes(file, at, at);
  }
  await db.sql.query(`INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
    VALUES ('agent', gen_random_uuid(), 1, 'AgentRegistered', '{}', '{}', now())`);
  const { stdout } = await run(container.command[0], [...container.command.slice(1), container.args[0]], {
    env: { PATH: process.env.PATH, DATABASE_URL: db.primaryUrl, BACKUP_DIR: dir },
    timeout: 60_000,
  });
  const files = (await readdir(dir)).sort();
  expect(files).toHaveLength(7);
  // The newest six of the old ones, and today's.
  expect(files.slice(0, 6)).toEqual([3, 4, 5, 6, 7, 8].map((day) => `agent-fleet-2026110${day}T020000Z.dump`));
  const written = files[6]!;
  expect(written).toMatch(/^agent-fleet-\d{8}T\d{6}Z\.dump$/);
  expect(stdout).toContain(`backup: wrote ${join(dir, written)}`);
  expect(stdout).toContain('backup: deleted');
  const { stdout: listing } = await run('pg_restore', ['--list', join(dir, written)]);
  expect(listing).toMatch(/TABLE DATA public events/);
});

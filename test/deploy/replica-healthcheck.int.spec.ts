import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

// deploy/postgres/replica-healthcheck.sh, compose's health check of postgres-replica, run
// against the test cluster: healthy on its streaming replica, unhealthy on a server whose
// WAL receiver is not streaming (the primary has none, like a replica that lost its slot).

const SCRIPT = resolve(import.meta.dirname, '../../deploy/postgres/replica-healthcheck.sh');

async function healthcheck(url: string): Promise<{ code: number; stderr: string }> {
  const { hostname, port, username, password, pathname } = new URL(url);
  const env = {
    PATH: process.env.PATH,
    PGHOST: hostname,
    PGPORT: port,
    PGUSER: decodeURIComponent(username),
    PGPASSWORD: decodeURIComponent(password),
    PGDATABASE: pathname.slice(1) || 'postgres',
  };
  try {
    await promisify(execFile)('bash', [SCRIPT], { env, timeout: 20_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

describe('the replica health check', () => {
  it('passes on a replica that streams from its primary', async () => {
    const result = await healthcheck(inject('replicaUrls')[0]);
    expect(result, result.stderr).toEqual({ code: 0, stderr: '' });
  });

  it('fails, saying why, on a server whose WAL receiver is not streaming', async () => {
    const result = await healthcheck(inject('primaryUrl'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not streaming');
  });
});

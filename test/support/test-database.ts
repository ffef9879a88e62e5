import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';

export interface TestDatabase {
  primaryUrl: string;
  replicaUrls: string[];
  /** A pool on the primary, for assertions on rows. */
  sql: pg.Pool;
  close(): Promise<void>;
}

/** A fresh, migrated database on the shared cluster, visible on its replica too. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomUUID().slice(0, 8)}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  const urls = await createDatabase({ primaryUrl: inject('primaryUrl'), replicaUrls: inject('replicaUrls') }, name);
  await runMigrations(urls.primaryUrl);
  const sql = new pg.Pool({ connectionString: urls.primaryUrl, max: 4 });
  return { ...urls, sql, close: () => sql.end() };
}

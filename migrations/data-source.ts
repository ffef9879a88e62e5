import { DataSource } from 'typeorm';
import { MIGRATIONS } from './index.js';

/** The DataSource the TypeORM CLI and `npm run migrate` use; it reads DATABASE_URL itself. */
export function migrationDataSource(url = process.env.DATABASE_URL): DataSource {
  if (!url) throw new Error('Invalid environment: DATABASE_URL is required (a postgres:// connection URL)');
  return new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
  });
}

/** Applies pending migrations; safe to run any number of times and from several processes. */
export async function runMigrations(url?: string): Promise<string[]> {
  const dataSource = await migrationDataSource(url).initialize();
  try {
    // One migrator at a time: a second process waits, then finds nothing pending.
    await dataSource.query(`SELECT pg_advisory_lock(7264001)`);
    const applied = await dataSource.runMigrations();
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

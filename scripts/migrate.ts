import { runMigrations } from '../migrations/data-source.js';

try {
  const applied = await runMigrations();
  console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Schema is up to date.');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

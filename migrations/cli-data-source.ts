// For the TypeORM CLI (`npx typeorm -d dist/migrations/cli-data-source.js migration:show`).
import { migrationDataSource } from './data-source.js';

export default migrationDataSource();

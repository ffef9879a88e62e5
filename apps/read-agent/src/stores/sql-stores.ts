import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { databaseConfig, type DatabaseConfig } from '@app/platform';
import { SqlStore } from './sql-store.js';

/** The replicas of DATABASE_REPLICA_URLS, in their order, and the primary as last resort. */
@Injectable()
export class SqlStores implements OnApplicationShutdown {
  readonly replicas: SqlStore[];
  readonly primary: SqlStore;

  constructor(@Inject(databaseConfig.KEY) config: DatabaseConfig) {
    this.replicas = config.replicaUrls.map((url, index) => new SqlStore('replica', `replica-${index}`, url, config.readTimeouts));
    this.primary = new SqlStore('primary', 'primary', config.primaryUrl, config.readTimeouts);
  }

  get all(): SqlStore[] {
    return [...this.replicas, this.primary];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all.map((store) => store.close()));
  }
}

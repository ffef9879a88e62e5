export { getFreePort } from './free-port.js';
export {
  startPostgresCluster,
  type PostgresCluster,
  type PostgresClusterOptions,
} from './postgres-cluster.js';
export { createDatabase, type DatabaseUrls } from './create-database.js';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js';

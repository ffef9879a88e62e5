export { getFreePort } from './free-port.js';
export {
  startPostgresCluster,
  type PostgresCluster,
  type PostgresClusterOptions,
} from './postgres-cluster.js';
export { createDatabase, type CreateDatabaseOptions, type DatabaseUrls } from './create-database.js';
export { withClient } from './pg-client.js';
export { waitForReplicaReplay, type ReplayResult } from './replica-replay.js';
export { runningPostgresPids } from './running-servers.js';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js';
export { startAgentProcess, type AgentProcess, type AgentProcessOptions } from './agent-process.js';
export { runNodeProgram, type NodeProgramOptions, type NodeProgramResult } from './node-program.js';
export { exitOf } from './node-child.js';
export { findExecutable } from './find-executable.js';
export { isAlive, readPidFile } from './process-info.js';

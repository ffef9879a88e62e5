import type { Type } from '@nestjs/common';
import { authConfig } from './config/auth.config.js';
import { checkEnvironment } from './config/check-environment.js';
import { redisConfig } from './config/redis.config.js';
import { EnvironmentError } from './config/validate-environment.js';
import { createHttpApp } from './http/create-http-app.js';
import { listenUntilTerminated } from './http/listen-until-terminated.js';
import { createLogger } from './logging/create-logger.js';

export interface AgentDefinition {
  /** `write-agent`, `read-agent`: the logger's name and the prefix of a start-up failure. */
  name: string;
  /** The OpenAPI document's title and description. */
  title: string;
  description: string;
  /** Used when PORT is unset. */
  defaultPort: number;
  /** The agent's own config loaders, checked at start-up with the platform's. */
  configs?: Array<() => unknown>;
  /** Imported only once the environment has passed, so that a bad variable is reported first. */
  loadModule: () => Promise<Type<unknown>>;
}

/**
 * Starts an agent: checks the environment, then serves until SIGTERM or SIGINT.
 * Anything that stops it from starting is one line on stderr and exit code 1.
 */
export function runAgent(agent: AgentDefinition): void {
  start(agent).catch((error: unknown) => {
    console.error(error instanceof EnvironmentError ? error.message : `${agent.name} failed to start: ${String(error)}`);
    process.exit(1);
  });
}

async function start(agent: AgentDefinition): Promise<void> {
  const http = checkEnvironment(agent.configs);
  const redis = redisConfig().sentinel;
  const logger = createLogger(http.logLevel, agent.name, [authConfig().jwtSecret, redis?.password, redis?.sentinelPassword]);
  const app = await createHttpApp({
    module: await agent.loadModule(),
    logger,
    title: agent.title,
    description: agent.description,
  });
  await listenUntilTerminated(app, logger, { port: http.port ?? agent.defaultPort, host: http.host });
}

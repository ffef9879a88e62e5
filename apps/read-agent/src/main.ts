import 'reflect-metadata';
import { checkEnvironment, createHttpApp, createLogger, EnvironmentError, listenUntilTerminated } from '@app/platform';
import { readConfig } from './config/read.config.js';
import { projectionConfig } from './projections/projection.config.js';

const DEFAULT_PORT = 3001;

async function main(): Promise<void> {
  const http = checkEnvironment([readConfig, projectionConfig]);
  const logger = createLogger(http.logLevel, 'read-agent');
  const { ReadAgentModule } = await import('./read-agent.module.js');
  const app = await createHttpApp({
    module: ReadAgentModule,
    logger,
    title: 'Read agent',
    description: 'Queries over agents and tasks, from Redis projections and PostgreSQL replicas.',
  });
  await listenUntilTerminated(app, logger, { port: http.port ?? DEFAULT_PORT, host: http.host });
}

main().catch((error: unknown) => {
  console.error(error instanceof EnvironmentError ? error.message : `read-agent failed to start: ${String(error)}`);
  process.exit(1);
});

import 'reflect-metadata';
import { checkEnvironment, createHttpApp, createLogger, EnvironmentError, listenUntilTerminated } from '@app/platform';

const DEFAULT_PORT = 3000;

async function main(): Promise<void> {
  const http = checkEnvironment();
  const logger = createLogger(http.logLevel, 'write-agent');
  const { WriteAgentModule } = await import('./write-agent.module.js');
  const app = await createHttpApp({
    module: WriteAgentModule,
    logger,
    title: 'Write agent',
    description: 'Commands for agents and tasks. Every command is one PostgreSQL transaction on the primary.',
  });
  await listenUntilTerminated(app, logger, { port: http.port ?? DEFAULT_PORT, host: http.host });
}

main().catch((error: unknown) => {
  console.error(error instanceof EnvironmentError ? error.message : `write-agent failed to start: ${String(error)}`);
  process.exit(1);
});

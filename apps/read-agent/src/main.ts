import 'reflect-metadata';
import { runAgent } from '@app/platform';
import { readConfig } from './config/read.config.js';
import { projectionConfig } from './config/projection.config.js';

runAgent({
  name: 'read-agent',
  title: 'Read agent',
  description: 'Queries over agents and tasks, from Redis projections and PostgreSQL replicas.',
  defaultPort: 3001,
  configs: [readConfig, projectionConfig],
  loadModule: async () => (await import('./read-agent.module.js')).ReadAgentModule,
});

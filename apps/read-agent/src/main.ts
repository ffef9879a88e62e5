import 'reflect-metadata';
import { runAgent } from '@app/platform';
import { READ_AGENT_CONFIGS } from './config/read-agent-config.module.js';

runAgent({
  name: 'read-agent',
  title: 'Read agent',
  description: 'Queries over agents and tasks, from Redis projections and PostgreSQL replicas.',
  defaultPort: 3001,
  configs: READ_AGENT_CONFIGS,
  loadModule: async () => (await import('./read-agent.module.js')).ReadAgentModule,
});

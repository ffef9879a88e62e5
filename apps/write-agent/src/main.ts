import 'reflect-metadata';
import { runAgent } from '@app/platform';
import { taskDeadlinesConfig } from './config/task-deadlines.config.js';
import { relayConfig } from './relay/relay.config.js';

runAgent({
  name: 'write-agent',
  title: 'Write agent',
  description: 'Commands for agents and tasks. Every command is one PostgreSQL transaction on the primary.',
  defaultPort: 3000,
  configs: [taskDeadlinesConfig, relayConfig],
  loadModule: async () => (await import('./write-agent.module.js')).WriteAgentModule,
});

import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { PlatformModule } from '@app/platform';
import { ReadAgentConfigModule } from './config/read-agent-config.module.js';
import { HealthController } from './health/health.controller.js';
import { StoresHealth } from './health/stores.health.js';
import { ProjectionsModule } from './projections.module.js';
import { AgentsController } from './queries/agents.controller.js';
import { GetAgentHandler } from './queries/get-agent/get-agent.handler.js';
import { GetHistoryHandler } from './queries/get-history/get-history.handler.js';
import { GetStatsHandler } from './queries/get-stats/get-stats.handler.js';
import { GetTaskHandler } from './queries/get-task/get-task.handler.js';
import { ListAgentsHandler } from './queries/list-agents/list-agents.handler.js';
import { ListTasksHandler } from './queries/list-tasks/list-tasks.handler.js';
import { LookupRoutes } from './queries/lookup.routes.js';
import { TasksController } from './queries/tasks.controller.js';
import { ReadRouter } from './stores/read-router.js';
import { SqlStores } from './stores/sql-stores.js';

const queryHandlers = [
  GetAgentHandler,
  ListAgentsHandler,
  GetTaskHandler,
  ListTasksHandler,
  GetStatsHandler,
  GetHistoryHandler,
];

@Module({
  imports: [
    PlatformModule,
    ReadAgentConfigModule,
    CqrsModule.forRoot(),
    TerminusModule,
    // The projector, and the Redis views and progress the queries and readiness read.
    ProjectionsModule,
  ],
  controllers: [AgentsController, TasksController, HealthController],
  providers: [...queryHandlers, LookupRoutes, ReadRouter, SqlStores, StoresHealth],
})
export class ReadAgentModule {}

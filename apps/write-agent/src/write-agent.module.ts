import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig, PlatformModule, type DatabaseConfig } from '@app/platform';
import { AgentsController } from './agents/agents.controller.js';
import { PauseAgentHandler } from './agents/pause-agent/pause-agent.handler.js';
import { RegisterAgentHandler } from './agents/register-agent/register-agent.handler.js';
import { ResumeAgentHandler } from './agents/resume-agent/resume-agent.handler.js';
import { RetireAgentHandler } from './agents/retire-agent/retire-agent.handler.js';
import { UpdateAgentHandler } from './agents/update-agent/update-agent.handler.js';
import { AppendedEvents } from './commands/appended-events.js';
import { CommandRunner } from './commands/command-runner.js';
import { HealthController } from './health/health.controller.js';
import { Idempotency } from './idempotency/idempotency.js';
import { IdempotencyKeys } from './idempotency/idempotency-keys.js';
import { CommandWriter } from './persistence/command-writer.js';
import { LogHead } from './persistence/log-head.js';
import { PrimaryPool } from './persistence/primary-pool.js';
import { StateLoader } from './persistence/state-loader.js';
import { RelayModule } from './relay/relay.module.js';
import { CancelTaskHandler } from './tasks/cancel-task/cancel-task.handler.js';
import { CompleteTaskHandler } from './tasks/complete-task/complete-task.handler.js';
import { FailTaskHandler } from './tasks/fail-task/fail-task.handler.js';
import { StartTaskHandler } from './tasks/start-task/start-task.handler.js';
import { SubmitTaskHandler } from './tasks/submit-task/submit-task.handler.js';
import { OverdueTasks } from './tasks/task-deadlines/overdue-tasks.js';
import { TaskDeadlines } from './tasks/task-deadlines/task-deadlines.js';
import { taskDeadlinesConfig } from './config/task-deadlines.config.js';
import { TasksController } from './tasks/tasks.controller.js';

const commandHandlers = [
  RegisterAgentHandler,
  UpdateAgentHandler,
  PauseAgentHandler,
  ResumeAgentHandler,
  RetireAgentHandler,
  SubmitTaskHandler,
  StartTaskHandler,
  CompleteTaskHandler,
  FailTaskHandler,
  CancelTaskHandler,
];

@Module({
  imports: [
    PlatformModule,
    CqrsModule.forRoot(),
    TerminusModule,
    RelayModule,
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (database: DatabaseConfig) => ({
        type: 'postgres',
        url: database.primaryUrl,
        entities: [],
        synchronize: false,
        migrationsRun: false,
        extra: {
          max: 20,
          application_name: 'write-agent',
          // Nothing hangs when the primary is down or stops answering (docs/reliability.md).
          connectionTimeoutMillis: database.timeouts.connectMs,
          query_timeout: database.timeouts.queryMs,
          statement_timeout: database.timeouts.statementMs,
          lock_timeout: database.timeouts.lockMs,
          idle_in_transaction_session_timeout: database.timeouts.idleInTransactionMs,
        },
      }),
    }),
  ],
  controllers: [AgentsController, TasksController, HealthController],
  providers: [
    ...commandHandlers,
    Idempotency,
    CommandRunner,
    CommandWriter,
    StateLoader,
    PrimaryPool,
    LogHead,
    IdempotencyKeys,
    AppendedEvents,
    { provide: taskDeadlinesConfig.KEY, useFactory: taskDeadlinesConfig },
    OverdueTasks,
    TaskDeadlines,
  ],
})
export class WriteAgentModule {}

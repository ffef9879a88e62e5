import { Module } from '@nestjs/common';
import { EventLogReader } from '@app/event-log';
import { EventLogSource } from './event-log/event-log.source.js';
import { projectorLogReader } from './event-log/projector-log-reader.js';
import { ReadAgentConfigModule } from './config/read-agent-config.module.js';
import { DatabaseHistory } from './event-log/database-history.js';
import { OldestOpenTransaction } from './projector/oldest-open-transaction.js';
import { ProjectionProgress } from './projector/projection-progress.js';
import { Projector } from './projector/projector.js';
import { ProjectedViews } from './stores/projected-views.js';

/**
 * The Redis projections: the projector (started on bootstrap, lease released on shutdown)
 * and what the query side reads: the views (ProjectedViews) the progress (ProjectionProgress) and
 * what holds the reader back (OldestOpenTransaction).
 * Needs the global PlatformModule (RedisConnection, database config).
 */
@Module({
  imports: [ReadAgentConfigModule],
  providers: [
    EventLogSource,
    { provide: EventLogReader, inject: [EventLogSource], useFactory: projectorLogReader },
    DatabaseHistory,
    Projector,
    ProjectedViews,
    ProjectionProgress,
    OldestOpenTransaction,
  ],
  exports: [ProjectedViews, ProjectionProgress, OldestOpenTransaction, DatabaseHistory],
})
export class ProjectionsModule {}

import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventLogReader } from './event-log/event-log.reader.js';
import { EventLogSource } from './event-log/event-log.source.js';
import { projectionConfig } from './config/projection.config.js';
import { ProjectionProgress } from './projector/projection-progress.js';
import { ProjectionReader, ProjectionStatus } from './redis-views/projection-reader.contract.js';
import { Projector } from './projector/projector.js';
import { RedisProjectionReader } from './redis-views/redis-projection.reader.js';

/**
 * The Redis projections: the projector (started on bootstrap, lease released on shutdown)
 * and what the query side reads through: ProjectionReader and ProjectionStatus.
 * Needs the global PlatformModule (RedisConnection, database config).
 */
@Module({
  imports: [ConfigModule.forFeature(projectionConfig)],
  providers: [
    EventLogSource,
    EventLogReader,
    Projector,
    { provide: ProjectionReader, useClass: RedisProjectionReader },
    { provide: ProjectionStatus, useClass: ProjectionProgress },
  ],
  exports: [ProjectionReader, ProjectionStatus],
})
export class ProjectionsModule {}

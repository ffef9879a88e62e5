import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventLogReader } from './event-log.reader.js';
import { EventLogSource } from './event-log.source.js';
import { projectionConfig } from './projection.config.js';
import { ProjectionProgress } from './projection-progress.js';
import { ProjectionReader, ProjectionStatus } from './projection-reader.contract.js';
import { Projector } from './projector.js';
import { RedisProjectionReader } from './redis-projection.reader.js';

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

import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig, PlatformModule, type DatabaseConfig } from '@app/platform';
import { HealthController } from './health/health.controller.js';

@Module({
  imports: [
    PlatformModule,
    CqrsModule.forRoot(),
    TerminusModule,
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (database: DatabaseConfig) => ({
        type: 'postgres',
        url: database.replicaUrls[0] ?? database.primaryUrl,
        entities: [],
        synchronize: false,
        extra: { max: 10, application_name: 'read-agent' },
      }),
    }),
  ],
  controllers: [HealthController],
})
export class ReadAgentModule {}

import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsArray, IsNotEmpty, Matches } from 'class-validator';
import { validateEnvironment } from './validate-environment.js';

const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/;
const URL_MESSAGE = 'must be a postgres:// connection URL';

class DatabaseEnvironment {
  @IsNotEmpty({ message: `is required (${URL_MESSAGE})` })
  @Matches(POSTGRES_URL, { message: URL_MESSAGE })
  DATABASE_URL: string;

  @Transform(({ value }) =>
    typeof value === 'string'
      ? value.split(',').map((url) => url.trim()).filter((url) => url.length > 0)
      : [],
  )
  @IsArray()
  @Matches(POSTGRES_URL, { each: true, message: 'must be comma-separated postgres:// connection URLs' })
  DATABASE_REPLICA_URLS: string[] = [];
}

export interface DatabaseConfig {
  primaryUrl: string;
  replicaUrls: string[];
}

export const databaseConfig = registerAs('database', (): DatabaseConfig => {
  const env = validateEnvironment(DatabaseEnvironment);
  return { primaryUrl: env.DATABASE_URL, replicaUrls: env.DATABASE_REPLICA_URLS };
});

import { authConfig } from './auth.config.js';
import { corsConfig } from './cors.config.js';
import { databaseConfig } from './database.config.js';
import { httpConfig, type HttpConfig } from './http.config.js';
import { redisConfig } from './redis.config.js';

export const PLATFORM_CONFIGS = [httpConfig, authConfig, corsConfig, databaseConfig, redisConfig];

/**
 * Validates every variable before anything starts, so a bad one stops the process with a
 * single EnvironmentError line; returns the HTTP settings the bootstrap needs first.
 */
export function checkEnvironment(appConfigs: Array<() => unknown> = []): HttpConfig {
  for (const load of [...PLATFORM_CONFIGS, ...appConfigs]) load();
  return httpConfig();
}

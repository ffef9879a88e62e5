import { Global, Module } from '@nestjs/common';
import { projectionConfig } from './projection.config.js';
import { readConfig } from './read.config.js';

/** The read agent's own settings: main.ts checks them at start-up, this module provides them. */
export const READ_AGENT_CONFIGS = [readConfig, projectionConfig];

const providers = READ_AGENT_CONFIGS.map((config) => ({ provide: config.KEY, useFactory: config }));

/** Registers each of READ_AGENT_CONFIGS once, for every module of the agent. */
@Global()
@Module({ providers, exports: providers.map((provider) => provider.provide) })
export class ReadAgentConfigModule {}

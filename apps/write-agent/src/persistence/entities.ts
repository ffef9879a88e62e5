import { AgentEntity } from './agent.entity.js';
import { IdempotencyKeyEntity } from './idempotency-key.entity.js';
import { TaskEntity } from './task.entity.js';

/** The entities TypeORM maps; events are appended by CommandWriter's SQL only. */
export const WRITE_MODEL_ENTITIES = [AgentEntity, TaskEntity, IdempotencyKeyEntity];

import { afterEach, describe, expect, it } from 'vitest';
import { taskDeadlinesConfig } from '../config/task-deadlines.config.js';
import { relayConfig } from './relay.config.js';

describe('the write agent own variables', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads an empty AMQP_URL (and every other empty one) as unset: no relay, defaults', () => {
    const names = ['AMQP_URL', 'RELAY_LEASE_MS', 'RELAY_POLL_MS', 'RELAY_BATCH_SIZE', 'TASK_DEADLINE_SWEEP_MS'];
    for (const name of names) delete process.env[name];
    const unset = { relay: relayConfig(), deadlines: taskDeadlinesConfig() };
    for (const name of names) process.env[name] = '';
    expect({ relay: relayConfig(), deadlines: taskDeadlinesConfig() }).toEqual(unset);
    expect(relayConfig().amqpUrl).toBeUndefined();
  });
});

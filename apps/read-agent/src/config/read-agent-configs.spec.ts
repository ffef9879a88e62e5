import { afterEach, describe, expect, it } from 'vitest';
import { READ_AGENT_CONFIGS } from './read-agent-config.module.js';

describe('the read agent own variables', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads each empty one as unset', () => {
    const names = ['READ_WAIT_MS', 'PROJECTION_LEASE_MS', 'PROJECTION_POLL_MS', 'PROJECTION_BATCH_SIZE'];
    for (const name of names) delete process.env[name];
    const unset = READ_AGENT_CONFIGS.map((load) => load());
    for (const name of names) process.env[name] = '';
    expect(READ_AGENT_CONFIGS.map((load) => load())).toEqual(unset);
  });
});

import { afterAll } from 'vitest';
import { stopAllAgents } from './agent-process.js';

// Runs after each file's own afterAll hooks: whatever agent a file left running ends here,
// not at the end of the whole run (or never, when the worker is reused).
afterAll(async () => {
  await stopAllAgents();
});

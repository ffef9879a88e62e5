import { setTimeout as sleep } from 'node:timers/promises';
import { withClient } from '@app/local-stack';
import type { Stores } from './stores.js';

async function showFsync(url: string): Promise<string> {
  return withClient(url, async (client) => (await client.query<{ fsync: string }>('SHOW fsync')).rows[0].fsync);
}

/** ALTER SYSTEM SET fsync (reloadable: no restart), then waits until a new session sees it. */
async function setFsync(url: string, value: 'on' | 'off'): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(`ALTER SYSTEM SET fsync = ${value}`);
    await client.query('SELECT pg_reload_conf()');
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    if ((await showFsync(url)) === value) return;
    await sleep(100);
  }
  throw new Error(`SHOW fsync did not become ${value} after ALTER SYSTEM + pg_reload_conf()`);
}

/**
 * Runs `use` with fsync on on the primary this run started, and sets it back afterwards.
 * Undefined (nothing run) with an external DATABASE_URL: a server the bench did not
 * start is not reconfigured.
 */
export async function withFsyncOn<T>(stores: Stores, use: () => Promise<T>, log: (line: string) => void): Promise<T | undefined> {
  if (!stores.cluster) return undefined;
  const before = await showFsync(stores.primaryUrl);
  await setFsync(stores.primaryUrl, 'on');
  log(`  fsync on on the primary (SHOW fsync: ${await showFsync(stores.primaryUrl)}; was ${before})`);
  try {
    return await use();
  } finally {
    await setFsync(stores.primaryUrl, before === 'on' ? 'on' : 'off');
    log(`  fsync set back: SHOW fsync: ${await showFsync(stores.primaryUrl)}`);
  }
}

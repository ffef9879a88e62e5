import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The machine's broker: every test file works in a vhost of its own, deleted afterwards. */
const BROKER = '127.0.0.1:5672';

export interface TestVhost {
  name: string;
  /** amqp://guest:guest@127.0.0.1:5672/<vhost> */
  url: string;
  delete(): Promise<void>;
}

export async function createVhost(prefix: string): Promise<TestVhost> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await run('rabbitmqctl', ['add_vhost', name], { timeout: 30_000 });
  await run('rabbitmqctl', ['set_permissions', '-p', name, 'guest', '.*', '.*', '.*'], { timeout: 30_000 });
  return {
    name,
    url: `amqp://guest:guest@${BROKER}/${encodeURIComponent(name)}`,
    delete: async () => {
      await run('rabbitmqctl', ['delete_vhost', name], { timeout: 30_000 });
    },
  };
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection, type AsyncMessage } from 'rabbitmq-client';
import { getFreePort } from '@app/local-stack';
import { until } from './projection-harness.js';

const run = promisify(execFile);
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** rabbitmqctl of the machine's node (rabbit@localhost), whatever our environment says. */
async function machineCtl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', args, { env: { PATH: process.env.PATH }, timeout: 60_000 });
}

export interface Vhost {
  /** amqp://guest:guest@127.0.0.1:5672/<vhost> */
  url: string;
  name: string;
  remove(): Promise<void>;
}

/** A vhost of its own on the machine's broker (127.0.0.1:5672), so a test file sees only its own exchanges and queues. */
export async function createVhost(prefix: string): Promise<Vhost> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await machineCtl('add_vhost', name);
  await machineCtl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return {
    name,
    url: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(name)}`,
    remove: () => machineCtl('delete_vhost', name),
  };
}

export interface PrivateBroker {
  url: string;
  /** Stops the node gracefully and starts it again on the same port and data. */
  restart(): Promise<{ downMs: number; stopMs: number }>;
  stop(): Promise<void>;
}

/**
 * A rabbitmq-server node of its own (its own name, ports, data and logs in a temp dir,
 * listening on 127.0.0.1 only), for tests that stop the broker: the machine's node is
 * left alone.
 */
export async function startPrivateBroker(): Promise<PrivateBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'cqrs-test-rabbitmq-'));
  const [port, distPort] = [await getFreePort(), await getFreePort()];
  const node = `relaytest-${randomUUID().slice(0, 8)}@localhost`;
  await mkdir(join(dir, 'mnesia'));
  await mkdir(join(dir, 'log'));
  await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\nloopback_users = none\n`);
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(dir, 'pid'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(SERVER, [], { env, stdio: 'ignore' });
    await until('the private broker to accept connections', () => answers(url), 60_000);
  };
  // SIGTERM to the Erlang VM is RabbitMQ's graceful stop, and needs no CLI VM booted. The
  // VM alone is signalled: the start script, signalled too, would run a stop of its own
  // and exit before the VM has, and a node started then would find its name in use.
  const stop = async () => {
    if (!child) return;
    const running = child;
    const exited = new Promise((done) => running.once('exit', done));
    const vm = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => '0'));
    const signal = (name: NodeJS.Signals) => {
      try {
        if (vm > 0) process.kill(vm, name);
        else running.kill(name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const killer = setTimeout(() => signal('SIGKILL'), 30_000);
    await exited;
    await until('the broker VM to exit', () => vm === 0 || !alive(vm), 30_000);
    clearTimeout(killer);
    child = undefined;
  };
  await start();
  return {
    url,
    restart: async () => {
      const at = Date.now();
      await stop();
      const stopMs = Date.now() - at;
      await start();
      return { downMs: Date.now() - at, stopMs };
    },
    stop: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  const connection = new Connection({ url, connectionTimeout: 1_000, retryLow: 100, retryHigh: 200 });
  connection.on('error', () => undefined);
  try {
    // Without disableAutoClose, a timed-out onConnect closes the connection itself and a
    // later close() never settles.
    await connection.onConnect(1_500, true);
    return true;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** A message as a consumer received it: what the contract fixes, and the order it came in. */
export interface Received {
  routingKey: string;
  messageId: string | undefined;
  type: string | undefined;
  contentType: string | undefined;
  timestamp: number | undefined;
  durable: boolean | undefined;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
  redelivered: boolean;
  /** Epoch ms when the consumer got it. */
  receivedAt: number;
}

export interface EventConsumer {
  readonly received: Received[];
  close(): Promise<void>;
}

/**
 * A consumer of every event: its own durable queue bound to `#` on the events exchange
 * (declared here too, so it exists before the relay's first publish), acking each message.
 */
export async function consumeAllEvents(url: string, queue = 'relay-test.all'): Promise<EventConsumer> {
  const connection = new Connection({ url, retryLow: 100, retryHigh: 1_000 });
  connection.on('error', () => undefined);
  const received: Received[] = [];
  const consumer = connection.createConsumer(
    {
      queue,
      queueOptions: { durable: true },
      exchanges: [{ exchange: 'agent-fleet.events', type: 'topic', durable: true }],
      queueBindings: [{ queue, exchange: 'agent-fleet.events', routingKey: '#' }],
      qos: { prefetchCount: 500 },
    },
    (message: AsyncMessage) => {
      received.push(toReceived(message));
    },
  );
  consumer.on('error', () => undefined);
  await until('the test consumer to be ready', async () => connection.ready, 20_000);
  return {
    received,
    close: async () => {
      await consumer.close();
      await connection.close();
    },
  };
}

export function toReceived(message: AsyncMessage): Received {
  const text = Buffer.isBuffer(message.body) ? message.body.toString('utf8') : JSON.stringify(message.body);
  return {
    routingKey: message.routingKey,
    messageId: message.messageId,
    type: message.type,
    contentType: message.contentType,
    timestamp: message.timestamp,
    durable: message.durable,
    headers: message.headers ?? {},
    body: JSON.parse(text) as Record<string, unknown>,
    redelivered: message.redelivered,
    receivedAt: Date.now(),
  };
}

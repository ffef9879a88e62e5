import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { formatPositionToken } from '@app/domain';
import { runNodeProgram, startRedisServer, type RedisServer } from '@app/local-stack';
import { GENERATION_KEY, viewKeys } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import type { HttpClient } from './http-client.js';
import { checkpointOf, latestToken, until, viewsInRedis, viewsOnPrimary, waitForCheckpoint, type Views } from './projection-harness.js';
import { RandomChoices } from './random-choices.js';
import { startReadAgent, type ReadAgentFixture } from './read-agent-fixture.js';
import type { TestDatabase } from './test-database.js';
import { startWriteAgent, type WriteAgentFixture } from './write-agent-fixture.js';

/**
 * A whole fleet of real processes for convergence and fault tests: a private redis-server
 * (so killing it affects no other file), a write agent on a fresh database of the shared
 * cluster, and read agents on that database's replica, all sharing the private Redis.
 */
export interface FleetStack {
  redis: RedisServer;
  /** A plain client of the private Redis, for assertions; reconnects after a restart. */
  redisClient: Redis;
  writer: WriteAgentFixture;
  db: TestDatabase;
  readers: ReadAgentFixture[];
  stop(): Promise<void>;
}

/** What the convergence checks below need of a stack: its Redis (a client) and its database. */
export type StoreUnderTest = Pick<FleetStack, 'redisClient' | 'db'>;

export const LEASE_MS = 1_000;

export async function startFleetStack(name: string, readerCount = 2): Promise<FleetStack> {
  const redis = await startRedisServer();
  if (!redis) throw new Error('redis-server is not on PATH: these tests kill and restart a Redis of their own');
  const redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  redisClient.on('error', () => undefined);
  const writer = await startWriteAgent(name, { REDIS_URL: redis.url }).catch(async (error) => {
    redisClient.disconnect();
    await redis.stop();
    throw error;
  });
  const readers: ReadAgentFixture[] = [];
  try {
    // One after the other: on a busy machine, parallel starts only slow each other down.
    for (let i = 0; i < readerCount; i++) {
      readers.push(
        await startReadAgent({
          DATABASE_URL: writer.db.primaryUrl,
          DATABASE_REPLICA_URLS: writer.db.replicaUrls[0]!,
          REDIS_URL: redis.url,
          PROJECTION_LEASE_MS: String(LEASE_MS),
        }),
      );
    }
  } catch (error) {
    await Promise.all(readers.map((reader) => reader.stop()));
    await writer.stop();
    redisClient.disconnect();
    await redis.stop();
    throw error;
  }
  return {
    redis,
    redisClient,
    writer,
    db: writer.db,
    readers,
    stop: async () => {
      await Promise.all(readers.map((reader) => reader.stop()));
      await writer.stop();
      redisClient.disconnect();
      await redis.stop();
    },
  };
}

const REBUILD = resolve(import.meta.dirname, '../../dist/apps/read-agent/src/rebuild-projections.js');

/** Runs `npm run projections:rebuild` (built) on the stack's stores; resolves with its exit code and output. */
export async function rebuildProjections(stack: FleetStack): Promise<{ code: number | null; output: string }> {
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: stack.db.primaryUrl,
    DATABASE_REPLICA_URLS: stack.db.replicaUrls[0]!,
    REDIS_URL: stack.redis.url,
    PROJECTION_LEASE_MS: String(LEASE_MS),
  };
  const { code, output } = await runNodeProgram({ entry: REBUILD, env, timeoutMs: 30_000 });
  return { code, output };
}

type AgentStatus = 'active' | 'paused' | 'retired';
type TaskStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

interface Command {
  kind: string;
  method: 'POST' | 'PATCH';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * The refusals this command may get instead of 2xx, by status: the problem codes each
   * may carry (null: any code). Anything else (a 5xx, 400, 429, a 412 without If-Match...) is unexpected.
   */
  refusals: Partial<Record<number, string[] | null>>;
  /** What a 2xx changes in the client's model. */
  onSuccess?: (id: string) => void;
}

/**
 * Random commands of every kind from several concurrent clients, valid and invalid ones
 * mixed: the clients keep a rough model of the fleet (updated from their own answers,
 * so it goes stale under concurrency) and pick a transition the model deems valid most
 * of the time, any transition otherwise. Counts every answer by command and status.
 */
export class FleetWorkload {
  readonly agents = new Map<string, { status: AgentStatus; name: string; revision: number }>();
  readonly tasks = new Map<string, { status: TaskStatus; agentId: string }>();
  private readonly agentIds: string[] = [];
  private readonly taskIds: string[] = [];
  /** Position tokens of every accepted (2xx) command. */
  readonly tokens: string[] = [];
  /** `<kind> <status>` -> count. */
  readonly outcomes: Record<string, number> = {};
  /** Answers outside a command's allowed statuses, with their bodies. */
  readonly unexpected: string[] = [];
  accepted = 0;
  issued = 0;
  /**
   * Reads of one's own write (X-Min-Position): made, answered 503 (for the suite to assert
   * on), by source, and those that did not show the write.
   */
  readonly ownReads = { made: 0, unavailable: 0, bySource: {} as Record<string, number>, stale: [] as string[] };
  /** Query clients for reading one's own writes; `readYourWrites` of the accepted commands are read back. */
  queryClients: HttpClient[] = [];
  readYourWrites = 0.1;
  private readonly choices: RandomChoices;

  constructor(
    private readonly http: HttpClient,
    seed?: number,
  ) {
    this.choices = new RandomChoices(seed);
  }

  /** The seed of the workload's choices: the same seed draws them again. */
  get seed(): number {
    return this.choices.seed;
  }

  /** Answers by status, over every run so far. */
  get byStatus(): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const [key, count] of Object.entries(this.outcomes)) {
      const status = Number(key.split(' ')[1]);
      counts[status] = (counts[status] ?? 0) + count;
    }
    return counts;
  }

  /** The token covering every accepted command so far. */
  latest() {
    return latestToken(this.tokens);
  }

  /**
   * Issues `commands` commands from `clients` concurrent clients; `until`, when given,
   * keeps the clients going past `commands` until it resolves.
   */
  async run({ commands, clients = 8, until: keepGoing }: { commands: number; clients?: number; until?: Promise<unknown> }) {
    let issued = 0;
    let released = keepGoing === undefined;
    const release = () => (released = true);
    void keepGoing?.then(release, release);
    const client = async () => {
      while (issued < commands || !released) {
        issued += 1;
        await this.one();
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
  }

  private async one(): Promise<void> {
    const command = this.pick();
    this.issued += 1;
    const answer = await this.http.request(command.method, command.path, { body: command.body, headers: command.headers });
    const key = `${command.kind} ${answer.status}`;
    this.outcomes[key] = (this.outcomes[key] ?? 0) + 1;
    if (answer.status === 200 || answer.status === 201) {
      if (typeof answer.body?.position !== 'string' || typeof answer.body?.id !== 'string') {
        this.unexpected.push(`${key} without id/position: ${JSON.stringify(answer.body)}`);
        return;
      }
      this.accepted += 1;
      this.tokens.push(answer.body.position);
      command.onSuccess?.(answer.body.id);
      const agent = this.agents.get(answer.body.id);
      if (agent) agent.revision = Math.max(agent.revision, answer.body.revision);
      if (this.queryClients.length > 0 && this.choices.chance(this.readYourWrites)) await this.readBack(answer.body);
    } else if (!refusalAllowed(command, answer.status, answer.body?.type)) {
      this.unexpected.push(`${command.kind} ${command.method} ${command.path} ${JSON.stringify(command.body)} -> ${answer.status} ${JSON.stringify(answer.body)}`);
    } else if (!/^application\/problem\+json/.test(answer.headers.get('content-type') ?? '')) {
      this.unexpected.push(`${key} is not problem+json`);
    }
  }

  /**
   * Reads the aggregate just written with its position token: the answer must show at
   * least the revision the command answered (docs/api.md section 4, read your own writes).
   */
  private async readBack(written: { id: string; revision: number; position: string }): Promise<void> {
    const path = `${this.agents.has(written.id) ? '/agents' : '/tasks'}/${written.id}`;
    const client = this.choices.oneOf(this.queryClients);
    const answer = await client.get(path, { 'x-min-position': written.position });
    this.ownReads.made += 1;
    const source = String(answer.headers.get('x-data-source'));
    if (answer.status === 503) {
      // Counted for the suite to judge (none is expected while the primary is up); a 503 must
      // still be the bounded kind: problem+json with Retry-After.
      this.ownReads.unavailable += 1;
      const problem = /^application\/problem\+json/.test(answer.headers.get('content-type') ?? '');
      if (!problem || !/^\d+$/.test(answer.headers.get('retry-after') ?? '')) {
        this.ownReads.stale.push(`${client.baseUrl}${path} -> 503 without problem+json and Retry-After: ${JSON.stringify(answer.body)}`);
      }
      return;
    }
    this.ownReads.bySource[source] = (this.ownReads.bySource[source] ?? 0) + 1;
    if (answer.status !== 200 || !(answer.body.revision >= written.revision)) {
      this.ownReads.stale.push(
        `${client.baseUrl}${path} at ${written.position} (revision ${written.revision}) -> ${answer.status} from ${source}: ${JSON.stringify(answer.body)}`,
      );
    }
  }

  /** Now and then, JSON that a store might not keep as it came: nesting, unicode, floats, nulls. */
  private odd(): object {
    if (!this.choices.chance(0.3)) return {};
    return {
      nested: { deep: { list: [1, 'two', null, { three: 3.25 }], empty: {} }, 'ключ': 'värde 🚀 \u2028', none: null },
      float: this.choices.int(1000) / 8,
      negative: -this.choices.int(100),
      big: 2 ** 52 + this.choices.int(100),
      flag: this.choices.chance(0.5),
    };
  }


  /** Mostly (80 %) an id the model deems fit, else any. */
  private choose<T>(ids: string[], model: Map<string, T>, fits: (entry: T) => boolean): string | undefined {
    if (ids.length === 0) return undefined;
    if (this.choices.chance(0.8)) {
      for (let i = 0; i < 12; i++) {
        const id = this.choices.oneOf(ids);
        if (fits(model.get(id)!)) return id;
      }
    }
    return this.choices.oneOf(ids);
  }

  private agent(fits: (agent: { status: AgentStatus }) => boolean) {
    return this.choose(this.agentIds, this.agents, fits);
  }

  private task(fits: (task: { status: TaskStatus }) => boolean) {
    return this.choose(this.taskIds, this.tasks, fits);
  }

  private pick(): Command {
    const roll = this.choices.next();
    if (this.agentIds.length < 4 || roll < 0.07) return this.register();
    if (roll < 0.09) return this.registerDuplicateName();
    if (roll < 0.14) return this.updateAgent();
    if (roll < 0.19) return this.agentTransition('pause', 'paused', (status) => status === 'active');
    if (roll < 0.24) return this.agentTransition('resume', 'active', (status) => status === 'paused');
    if (roll < 0.26) return this.agentTransition('retire', 'retired', (status) => status !== 'retired');
    if (roll < 0.47) return this.submit();
    if (roll < 0.48) return this.submitToUnknownAgent();
    if (roll < 0.64 || this.taskIds.length === 0) return this.taskIds.length ? this.startTask() : this.submit();
    if (roll < 0.76) return this.taskTransition('complete', 'completed', () => (this.choices.chance(0.7) ? { result: { pages: this.choices.int(50), ok: true, ...this.odd() } } : {}));
    if (roll < 0.84) return this.taskTransition('fail', 'failed', () => ({ error: this.choices.chance(0.8) ? `error ${this.choices.int(1000)}: timed out` : 'ünïcödé "quoted" \\ 🚀\n'.repeat(1 + this.choices.int(60)) }));
    if (roll < 0.98) return this.cancelTask();
    return this.unknownPath();
  }

  private register(): Command {
    const name = `agent-${randomUUID().slice(0, 12)}`;
    const config = this.choices.chance(0.7) ? { config: { slot: this.choices.int(100), tags: ['x', String(this.choices.int(5))], ...this.odd() } } : {};
    return {
      kind: 'register',
      method: 'POST',
      path: '/agents',
      body: { name, version: `1.${this.choices.int(10)}`, ...config },
      // A fresh random name: nothing to refuse.
      refusals: {},
      onSuccess: (id) => {
        this.agents.set(id, { status: 'active', name, revision: 1 });
        this.agentIds.push(id);
      },
    };
  }

  /** The name of a known agent in another letter case: 409 unless that agent is retired. */
  private registerDuplicateName(): Command {
    const taken = this.agents.get(this.choices.oneOf(this.agentIds))!;
    const name = taken.name.toUpperCase();
    return {
      kind: 'register-duplicate',
      method: 'POST',
      path: '/agents',
      body: { name, version: '1' },
      refusals: { 409: ['agent_name_taken'] },
      onSuccess: (id) => {
        this.agents.set(id, { status: 'active', name, revision: 1 });
        this.agentIds.push(id);
      },
    };
  }

  private updateAgent(): Command {
    const id = this.agent((agent) => agent.status !== 'retired')!;
    const model = this.agents.get(id)!;
    const body: Record<string, unknown> = {};
    if (this.choices.chance(0.3)) body.name = `renamed-${randomUUID().slice(0, 12)}`;
    if (this.choices.chance(0.6) || Object.keys(body).length === 0) body.version = `2.${this.choices.int(100)}`;
    if (this.choices.chance(0.5)) body.config = { tuned: this.choices.chance(0.5), level: this.choices.int(9), ...this.odd() };
    // Now and then at the revision last seen: 412 when another client got there first.
    const headers = this.choices.chance(0.2) ? { 'if-match': `"${model.revision}"` } : undefined;
    return {
      kind: headers ? 'update-if-match' : 'update',
      method: 'PATCH',
      path: `/agents/${id}`,
      body,
      headers,
      // 409 only for a retired agent (a new name is random); 412 only where If-Match was sent.
      refusals: headers ? { 409: ['agent_invalid_transition'], 412: ['revision_mismatch'] } : { 409: ['agent_invalid_transition'] },
      onSuccess: () => {
        if (typeof body.name === 'string') model.name = body.name;
      },
    };
  }

  private agentTransition(action: string, to: AgentStatus, fits: (status: AgentStatus) => boolean): Command {
    const id = this.agent((agent) => fits(agent.status))!;
    return {
      kind: action,
      method: 'POST',
      path: `/agents/${id}/${action}`,
      refusals: { 409: action === 'retire' ? ['agent_invalid_transition', 'agent_has_open_tasks'] : ['agent_invalid_transition'] },
      onSuccess: () => (this.agents.get(id)!.status = to),
    };
  }

  private submit(): Command {
    const agentId = this.agent((agent) => agent.status === 'active')!;
    const type = this.choices.oneOf(['crawl.page', 'index:doc', 'render-pdf', 'mail.send']);
    const payload = this.choices.chance(0.7) ? { payload: { n: this.choices.int(1000), url: `https://example.test/${this.choices.int(100)}`, ...this.odd() } } : {};
    return {
      kind: 'submit',
      method: 'POST',
      path: '/tasks',
      body: { agentId, type, ...payload },
      refusals: { 409: ['task_agent_not_active'] },
      onSuccess: (id) => {
        this.tasks.set(id, { status: 'pending', agentId });
        this.taskIds.push(id);
      },
    };
  }

  private submitToUnknownAgent(): Command {
    return { kind: 'submit-unknown-agent', method: 'POST', path: '/tasks', body: { agentId: randomUUID(), type: 'crawl.page' }, refusals: { 422: ['task_agent_not_found'] } };
  }

  private startTask(): Command {
    const id = this.task((task) => task.status === 'pending')!;
    return {
      kind: 'start',
      method: 'POST',
      path: `/tasks/${id}/start`,
      refusals: { 409: ['task_invalid_transition'] },
      onSuccess: () => (this.tasks.get(id)!.status = 'running'),
    };
  }

  private taskTransition(action: string, to: TaskStatus, body: () => object): Command {
    const id = this.task((task) => task.status === 'running')!;
    return {
      kind: action,
      method: 'POST',
      path: `/tasks/${id}/${action}`,
      body: body(),
      refusals: { 409: ['task_invalid_transition'] },
      onSuccess: () => (this.tasks.get(id)!.status = to),
    };
  }

  private cancelTask(): Command {
    const id = this.task((task) => task.status === 'pending' || task.status === 'running')!;
    return {
      kind: 'cancel',
      method: 'POST',
      path: `/tasks/${id}/cancel`,
      body: this.choices.chance(0.5) ? { reason: 'no longer needed' } : undefined,
      refusals: { 409: ['task_invalid_transition'] },
      onSuccess: () => (this.tasks.get(id)!.status = 'cancelled'),
    };
  }

  private unknownPath(): Command {
    const path = this.choices.oneOf([`/tasks/${randomUUID()}/start`, `/agents/${randomUUID()}/pause`, `/tasks/${randomUUID()}/cancel`]);
    return { kind: 'unknown-id', method: 'POST', path, refusals: { 404: null } };
  }
}

function refusalAllowed(command: Command, status: number, type: unknown): boolean {
  const codes = command.refusals[status];
  if (codes === undefined) return false;
  return codes === null || codes.some((code) => type === `urn:problem:${code}`);
}

/** Runs `work` on every item, `concurrency` at a time. */
export async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * Waits until the projections cover `token`: the checkpoint in Redis, then GET /stats with
 * X-Min-Position answered from Redis by every reader.
 */
export async function waitForProjections(stack: StoreUnderTest, readers: ReadAgentFixture[], token: ReturnType<typeof latestToken>, timeoutMs = 20_000) {
  const started = Date.now();
  await waitForCheckpoint(stack.redisClient, token, timeoutMs).catch(async (error) => {
    const checkpoint = await checkpointOf(stack.redisClient).catch(() => null);
    throw new Error(`${(error as Error).message}; checkpoint is ${checkpoint ? formatPositionToken(checkpoint) : 'none'}`);
  });
  const header = { 'x-min-position': formatPositionToken(token) };
  for (const reader of readers) {
    await until(
      'GET /stats with X-Min-Position to be answered from Redis',
      async () => {
        const answer = await reader.http.get('/stats', header);
        return answer.status === 200 && answer.headers.get('x-data-source') === 'redis';
      },
      Math.max(1_000, timeoutMs - (Date.now() - started)),
    );
  }
  return Date.now() - started;
}

/**
 * Every agent and task view and the stats, as each reader serves them, equal the state on
 * the primary, and are served from Redis; Redis itself holds exactly those views.
 */
export async function expectReadersToMatchPrimary(stack: StoreUnderTest, readers: ReadAgentFixture[]): Promise<Views> {
  const expected = await viewsOnPrimary(stack.db);
  const mismatches: string[] = [];
  const paths = [
    ...Object.keys(expected.agents).map((id) => ({ path: `/agents/${id}`, view: expected.agents[id] as unknown })),
    ...Object.keys(expected.tasks).map((id) => ({ path: `/tasks/${id}`, view: expected.tasks[id] as unknown })),
    { path: '/stats', view: expected.stats as unknown },
  ];
  const tooHigh: string[] = [];
  await inParallel(
    readers.flatMap((reader, index) => paths.map((entry) => ({ ...entry, reader, index }))),
    16,
    async ({ path, view, reader, index }) => {
      const answer = await reader.http.get(path);
      const source = answer.headers.get('x-data-source');
      const expectedRevision = (view as { revision?: number }).revision;
      if (expectedRevision !== undefined && typeof answer.body?.revision === 'number' && answer.body.revision > expectedRevision) {
        tooHigh.push(`reader ${index} ${path}: revision ${answer.body.revision} > ${expectedRevision} on the primary`);
      }
      if (answer.status !== 200 || source !== 'redis') {
        mismatches.push(`reader ${index} ${path}: ${answer.status} from ${source}`);
      } else if (answer.headers.get('etag') !== etagOf(path, view)) {
        mismatches.push(`reader ${index} ${path}: ETag ${answer.headers.get('etag')}, expected ${etagOf(path, view)}`);
      } else if (JSON.stringify(canonical(answer.body)) !== JSON.stringify(canonical(view))) {
        mismatches.push(`reader ${index} ${path}: served ${JSON.stringify(answer.body)}, primary has ${JSON.stringify(view)}`);
      }
    },
  );
  expect(tooHigh, 'views ahead of the primary: an event applied twice?').toEqual([]);
  expect(mismatches.slice(0, 10), `${mismatches.length} of ${paths.length * readers.length} answers differ`).toEqual([]);
  // Nothing more in Redis than on the primary either (no view of an aggregate that does not exist).
  const inRedis = await viewsInRedis(stack.redisClient);
  expect(Object.keys(inRedis.agents).length).toBe(Object.keys(expected.agents).length);
  expect(Object.keys(inRedis.tasks).length).toBe(Object.keys(expected.tasks).length);
  expect(inRedis).toStrictEqual(expected);
  // No event was skipped as unappliable on the way.
  const generation = await stack.redisClient.get(GENERATION_KEY);
  expect(await stack.redisClient.hgetall(viewKeys(generation!).poison), 'poison events').toEqual({});
  return expected;
}

/** The ETag of a view: docs/api.md section 4 for tasks, docs/queries.md ("ETags") for agents and stats. */
function etagOf(path: string, view: any): string {
  const counts = (c: any) => `${c.pending}-${c.running}-${c.completed}-${c.failed}-${c.cancelled}`;
  if (path.startsWith('/tasks/')) return `"${view.revision}"`;
  if (path.startsWith('/agents/')) return `"${view.revision}-${counts(view.tasks)}"`;
  const { agents: a, tasks: t } = view;
  return `"a${a.active}.${a.paused}.${a.retired}-t${counts(t).replaceAll('-', '.')}"`;
}

/** JSON with object keys sorted, so that key order does not count as a difference. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The event log holds exactly one event per accepted command, each aggregate's revisions 1..n. */
export async function expectEventLogOfAcceptedCommands(db: TestDatabase, accepted: number): Promise<void> {
  const { rows } = await db.sql.query(`SELECT count(*)::int AS events FROM events`);
  expect(rows[0].events, 'events in the log vs accepted commands').toBe(accepted);
  const gaps = await db.sql.query(`
    SELECT aggregate_id, count(*)::int AS n, max(revision) AS max, count(DISTINCT revision)::int AS distinct_revisions
      FROM events GROUP BY aggregate_id
    HAVING count(*) <> max(revision) OR count(DISTINCT revision) <> count(*) OR min(revision) <> 1`);
  expect(gaps.rows, 'aggregates whose events are not revisions 1..n').toEqual([]);
  const state = await db.sql.query(`
    SELECT (SELECT coalesce(sum(revision), 0) FROM agents)::int + (SELECT coalesce(sum(revision), 0) FROM tasks)::int AS revisions`);
  expect(state.rows[0].revisions, 'sum of revisions in the state tables vs events').toBe(accepted);
}

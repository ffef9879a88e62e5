import { randomUUID } from 'node:crypto';
import { RandomChoices } from './random-choices.js';
import { signToken } from './tokens.js';

/** One logical command: the same Idempotency-Key and body on every attempt; each attempt has its own X-Request-Id. */
export interface IssuedCommand {
  kind: string;
  key: string;
  method: 'POST' | 'PATCH';
  path: string;
  body: unknown;
  requestIds: string[];
  /** The last answer's status; undefined while no attempt was answered (timeouts only). */
  status?: number;
  answer?: { id: string; revision: number; position: string };
}

export interface LoadOptions {
  writeUrl: string;
  readUrls: string[];
  clients: number;
  durationMs: number;
  /** Share of requests that are commands; the rest are queries. */
  commandShare?: number;
  /** A request not answered within this is abandoned and, for a command, retried. */
  timeoutMs?: number;
  /** Attempts per command, the first included. */
  maxAttempts?: number;
  seed?: number;
}

type AgentStatus = 'active' | 'paused' | 'retired';
type TaskStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
type Answer = { status: number; headers: Headers; body: any } | 'timeout' | 'network-error';

const RETRY_AFTER_CAP_MS = 2_000;
const SEED_AGENTS = 4;
const DUPLICATE_SHARE = 0.03;
const RESEND_SHARE = 0.05;

/**
 * Concurrent client loops against real agents, each a mix of queries (to the read agents)
 * and commands (to the write agent) sent with an Idempotency-Key and retried with the same
 * key and body on a timeout or a 503. Counts every answer; keeps every command for the
 * event-log check and every read of one's own write for the read-your-writes check.
 */
export class LoadClients {
  readonly commands: IssuedCommand[] = [];
  /** `<command|query> <status|timeout|network-error>` -> count, over every attempt. */
  readonly answers: Record<string, number> = {};
  /** 5xx answers with their request, for the report. */
  readonly serverErrors: string[] = [];
  retries = 0;
  queryRetries = 0;
  /** Queries left without a non-5xx answer after every attempt. */
  readonly unanswered = { queries: 0 };
  /** 503 answers: the documented problem with Retry-After (any other 5xx is in serverErrors). */
  readonly unavailable: string[] = [];
  requests = 0;
  /** Repeats of a key on purpose, by how: sent twice at once, or sent again after its answer. */
  readonly repeats: Record<string, number> = {};
  /** Repeats of a key that did not answer the key's first answer. */
  readonly repeatMismatches: string[] = [];
  /** The slowest answered attempt of each kind, in ms. */
  readonly slowest = { command: 0, query: 0 };
  /** Reads with X-Min-Position of the client's own last write of that aggregate. */
  readonly ownReads = { made: 0, unavailable: 0, bySource: {} as Record<string, number>, stale: [] as string[] };
  /** Query answers that are neither 200 nor a 404 of an aggregate the reader may not see yet. */
  readonly odd: string[] = [];
  private readonly choices: RandomChoices;
  private readonly agents = new Map<string, AgentStatus>();
  private readonly tasks = new Map<string, TaskStatus>();
  private readonly agentIds: string[] = [];
  private readonly taskIds: string[] = [];

  constructor(private readonly options: LoadOptions) {
    this.choices = new RandomChoices(options.seed);
  }

  /** The seed of the clients' choices: the same seed draws them again. */
  get seed(): number {
    return this.choices.seed;
  }

  /** Answers by status, over every attempt of both kinds. */
  get byStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [key, count] of Object.entries(this.answers)) {
      const status = key.split(' ')[1]!;
      counts[status] = (counts[status] ?? 0) + count;
    }
    return counts;
  }

  async run(): Promise<void> {
    const [writeToken, readToken] = await Promise.all([signToken({ scope: 'commands:write' }), signToken({ scope: 'queries:read' })]);
    const deadline = Date.now() + this.options.durationMs;
    // A few agents first, so that the clients' first picks are not all registrations.
    const seeding: Session = { writeToken, readToken, last: undefined };
    while (this.agentIds.length < SEED_AGENTS && Date.now() < deadline) await this.command(seeding);
    const client = async () => {
      const session: Session = { writeToken, readToken, last: undefined };
      while (Date.now() < deadline) {
        if (this.choices.chance(this.options.commandShare ?? 0.2)) await this.command(session);
        else await this.query(session);
      }
    };
    await Promise.all(Array.from({ length: this.options.clients }, client));
  }

  private async command(session: Session): Promise<void> {
    const command = this.pick();
    this.commands.push(command);
    const maxAttempts = this.options.maxAttempts ?? 6;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) this.retries += 1;
      // Now and then the first attempt goes twice at once, as from a client that gave up
      // waiting while the first was still running: one run, both answered alike.
      const twice = attempt === 1 && this.choices.chance(DUPLICATE_SHARE);
      const [answer, duplicate] = await Promise.all([this.attempt(command, session, `${attempt}`), twice ? this.attempt(command, session, `${attempt}b`) : undefined]);
      if (answer === 'timeout' || answer === 'network-error') continue;
      command.status = answer.status;
      if (answer.status === 503) {
        await sleep(retryAfterMs(answer));
        continue;
      }
      if (duplicate) this.expectSameAnswer(command, answer, duplicate, 'sent twice at once');
      if (answer.status === 200 || answer.status === 201) {
        command.answer = answer.body;
        session.last = { aggregateId: answer.body.id, revision: answer.body.revision, position: answer.body.position, kind: command.kind };
        this.applied(command, answer.body.id);
      }
      // Now and then the answer is taken as lost and the command sent again: its first answer, replayed.
      if (this.choices.chance(RESEND_SHARE)) {
        const again = await this.attempt(command, session, 'again');
        this.expectSameAnswer(command, answer, again, 'sent again', true);
      }
      return;
    }
  }

  private async attempt(command: IssuedCommand, session: Session, attempt: string): Promise<Answer> {
    const requestId = `${command.key}~${attempt}`;
    command.requestIds.push(requestId);
    const answer = await this.send(this.options.writeUrl, command.method, command.path, session.writeToken, {
      headers: { 'idempotency-key': command.key, 'x-request-id': requestId },
      body: command.body,
    });
    this.count('command', answer, `${command.method} ${command.path}`);
    return answer;
  }

  /** A repeat of a key answers the first answer: same status, same success body or problem type. */
  private expectSameAnswer(command: IssuedCommand, first: Exclude<Answer, string>, repeat: Answer, how: string, replayed = false): void {
    this.repeats[how] = (this.repeats[how] ?? 0) + 1;
    if (typeof repeat === 'string' || repeat.status === 503) return; // unanswered: the log check still covers it
    // The whole success body, position token included: a replay that comes before the
    // first request stored its token settles it, and both answer it (ADR 0006).
    const same = (answer: Exclude<Answer, string>) => (answer.status < 300 ? JSON.stringify(answer.body) : answer.body?.type);
    const flagged = !replayed || repeat.headers.get('idempotent-replayed') === 'true';
    if (repeat.status !== first.status || same(repeat) !== same(first) || !flagged) {
      this.repeatMismatches.push(`${command.kind} ${command.path} ${how}: ${first.status} ${JSON.stringify(first.body)} then ${repeat.status} ${JSON.stringify(repeat.body)} (replayed: ${repeat.headers.get('idempotent-replayed')})`);
    }
  }

  private async query(session: Session): Promise<void> {
    const readUrl = this.choices.oneOf(this.options.readUrls);
    const last = session.last;
    if (last && this.choices.chance(0.25)) return this.readOwnWrite(readUrl, session, last);
    const headers: Record<string, string> = last && this.choices.chance(0.2) ? { 'x-min-position': last.position } : {};
    const path = this.queryPath();
    const answer = await this.queryRetried(readUrl, path, session.readToken, headers);
    if (typeof answer === 'string' || answer.status === 200 || answer.status === 503) return;
    // An aggregate another client created may not have reached this reader yet: 404 is documented.
    if (answer.status === 404 && /^\/(agents|tasks)\/[0-9a-f-]{36}(\/history)?$/.test(path)) return;
    this.odd.push(`GET ${path} ${JSON.stringify(headers)} -> ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  /** The aggregate of the client's last accepted command, with that command's token: at least its revision, or a 503. */
  private async readOwnWrite(readUrl: string, session: Session, last: NonNullable<Session['last']>): Promise<void> {
    const path = `${this.agents.has(last.aggregateId) ? '/agents' : '/tasks'}/${last.aggregateId}`;
    const answer = await this.queryRetried(readUrl, path, session.readToken, { 'x-min-position': last.position });
    if (typeof answer === 'string') return;
    this.ownReads.made += 1;
    if (answer.status === 503) {
      this.ownReads.unavailable += 1;
      return;
    }
    const source = String(answer.headers.get('x-data-source'));
    this.ownReads.bySource[source] = (this.ownReads.bySource[source] ?? 0) + 1;
    if (answer.status !== 200 || !(answer.body.revision >= last.revision)) {
      this.ownReads.stale.push(`${readUrl}${path} at ${last.position} (revision ${last.revision}) -> ${answer.status} from ${source}: ${JSON.stringify(answer.body)}`);
    }
  }

  /** A query, retried as a command is on a timeout or a 503; the last answer. */
  private async queryRetried(readUrl: string, path: string, token: string, headers: Record<string, string>): Promise<Answer> {
    let answer: Answer = 'timeout';
    for (let attempt = 1; attempt <= (this.options.maxAttempts ?? 6); attempt++) {
      if (attempt > 1) this.queryRetries += 1;
      answer = await this.send(readUrl, 'GET', path, token, { headers });
      this.count('query', answer, `GET ${path}`);
      if (typeof answer !== 'string' && answer.status !== 503) return answer;
      if (typeof answer !== 'string') await sleep(retryAfterMs(answer));
    }
    this.unanswered.queries += 1;
    return answer;
  }

  private async send(
    baseUrl: string,
    method: string,
    path: string,
    token: string,
    { headers, body }: { headers: Record<string, string>; body?: unknown },
  ): Promise<Answer> {
    this.requests += 1;
    const sent = Date.now();
    const init: RequestInit = {
      method,
      headers: { authorization: `Bearer ${token}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
    };
    try {
      const response = await fetch(`${baseUrl}${path}`, init);
      const text = await response.text();
      const kind = baseUrl === this.options.writeUrl ? 'command' : 'query';
      this.slowest[kind] = Math.max(this.slowest[kind], Date.now() - sent);
      return { status: response.status, headers: response.headers, body: parsedOrText(text) };
    } catch (error) {
      return (error as Error).name === 'TimeoutError' ? 'timeout' : 'network-error';
    }
  }

  private count(kind: 'command' | 'query', answer: Answer, request: string): void {
    const outcome = typeof answer === 'string' ? answer : String(answer.status);
    const key = `${kind} ${outcome}`;
    this.answers[key] = (this.answers[key] ?? 0) + 1;
    if (typeof answer !== 'string' && answer.status === 503 && /^urn:problem:stores?-unavailable$/.test(answer.body?.type) && Number(answer.headers.get('retry-after')) > 0) {
      this.unavailable.push(`${request} -> 503 ${answer.body.type}`);
    } else if (typeof answer !== 'string' && answer.status >= 500) {
      this.serverErrors.push(`${request} -> ${answer.status} (Retry-After ${answer.headers.get('retry-after')}) ${JSON.stringify(answer.body)}`);
    }
  }

  private queryPath(): string {
    const roll = this.choices.next();
    const task = this.taskIds.length > 0 ? this.choices.oneOf(this.taskIds) : undefined;
    const agent = this.choices.oneOf(this.agentIds);
    if (roll < 0.25) return `/agents/${agent}`;
    if (roll < 0.5 && task) return `/tasks/${task}`;
    if (roll < 0.62) return this.choices.chance(0.5) ? `/tasks?agentId=${agent}&limit=10` : `/tasks?status=${this.choices.oneOf(TASK_STATUSES)}&limit=20`;
    if (roll < 0.72) return this.choices.chance(0.5) ? '/agents?limit=20' : `/agents?status=${this.choices.oneOf(['active', 'paused', 'retired'])}`;
    if (roll < 0.86) return '/stats';
    return task && this.choices.chance(0.5) ? `/tasks/${task}/history` : `/agents/${agent}/history`;
  }

  /** Mostly a valid transition by the clients' shared model (stale under concurrency); refusals (409) happen too. */
  private pick(): IssuedCommand {
    const roll = this.choices.next();
    if (this.agentIds.length < SEED_AGENTS || roll < 0.08) return this.issue('register', 'POST', '/agents', { name: `agent-${randomUUID().slice(0, 12)}`, version: '1.0', config: { slot: this.choices.int(100) } });
    const agent = (fits: (status: AgentStatus) => boolean) => this.choose(this.agentIds, this.agents, fits);
    const task = (fits: (status: TaskStatus) => boolean) => this.choose(this.taskIds, this.tasks, fits);
    if (roll < 0.14) return this.issue('update', 'PATCH', `/agents/${agent((s) => s !== 'retired')}`, { version: `2.${this.choices.int(100)}` });
    if (roll < 0.19) return this.issue('pause', 'POST', `/agents/${agent((s) => s === 'active')}/pause`, undefined);
    if (roll < 0.24) return this.issue('resume', 'POST', `/agents/${agent((s) => s === 'paused')}/resume`, undefined);
    if (roll < 0.48 || this.taskIds.length === 0) {
      return this.issue('submit', 'POST', '/tasks', { agentId: agent((s) => s === 'active'), type: 'crawl.page', payload: { n: this.choices.int(1000) } });
    }
    if (roll < 0.66) return this.issue('start', 'POST', `/tasks/${task((s) => s === 'pending')}/start`, undefined);
    if (roll < 0.8) return this.issue('complete', 'POST', `/tasks/${task((s) => s === 'running')}/complete`, { result: { pages: this.choices.int(50) } });
    if (roll < 0.9) return this.issue('fail', 'POST', `/tasks/${task((s) => s === 'running')}/fail`, { error: `error ${this.choices.int(1000)}` });
    return this.issue('cancel', 'POST', `/tasks/${task((s) => s === 'pending' || s === 'running')}/cancel`, { reason: 'no longer needed' });
  }

  private issue(kind: string, method: 'POST' | 'PATCH', path: string, body: unknown): IssuedCommand {
    return { kind, key: `load-${randomUUID()}`, method, path, body, requestIds: [] };
  }

  private applied(command: IssuedCommand, id: string): void {
    const next: Record<string, AgentStatus | TaskStatus> = { pause: 'paused', resume: 'active', start: 'running', complete: 'completed', fail: 'failed', cancel: 'cancelled' };
    if (command.kind === 'register' && !this.agents.has(id)) {
      this.agents.set(id, 'active');
      this.agentIds.push(id);
    } else if (command.kind === 'submit' && !this.tasks.has(id)) {
      this.tasks.set(id, 'pending');
      this.taskIds.push(id);
    } else if (command.kind in next) {
      if (this.agents.has(id)) this.agents.set(id, next[command.kind] as AgentStatus);
      else this.tasks.set(id, next[command.kind] as TaskStatus);
    }
  }

  private choose<T>(ids: string[], model: Map<string, T>, fits: (entry: T) => boolean): string {
    if (this.choices.chance(0.85)) {
      for (let i = 0; i < 12; i++) {
        const id = this.choices.oneOf(ids);
        if (fits(model.get(id)!)) return id;
      }
    }
    return this.choices.oneOf(ids);
  }

}

interface Session {
  writeToken: string;
  readToken: string;
  /** The client's last accepted command. */
  last: { aggregateId: string; revision: number; position: string; kind: string } | undefined;
}

const TASK_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'];

function parsedOrText(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

function retryAfterMs(answer: { headers: Headers }): number {
  return Math.min(RETRY_AFTER_CAP_MS, 1_000 * (Number(answer.headers.get('retry-after')) || 1));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

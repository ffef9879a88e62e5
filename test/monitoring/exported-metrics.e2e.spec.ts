import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@app/local-stack';
import { HttpClient } from '../support/http-client.js';
import { runWorkload, until } from '../support/projection-harness.js';
import { createVhost, type Vhost } from '../support/rabbitmq.js';
import { startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';
import { mergeFamilies, parseExposition, type Family } from './exposition.js';
import { promqlExpressions } from './monitoring-files.js';
import { familyOf, readsOf } from './promql.js';

/**
 * Metrics the dashboard and the alerts read that no agent exports, each with its source.
 * Listed one by one, so that a misspelled agent metric is never taken for one of these.
 */
const EXTERNAL: Record<string, string> = {
  rabbitmq_queue_messages_ready: 'RabbitMQ rabbitmq_prometheus plugin, /metrics (port 15692)',
  rabbitmq_queue_messages_unacked: 'RabbitMQ rabbitmq_prometheus plugin, /metrics (port 15692)',
  rabbitmq_detailed_queue_messages_ready: 'RabbitMQ rabbitmq_prometheus plugin, /metrics/detailed?family=queue_coarse_metrics',
  pg_replication_lag_seconds: 'postgres_exporter (replication collector) on the replica',
  cnpg_pg_replication_lag: "CloudNativePG's instance exporter (default monitoring queries)",
};

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance']);

/** The value of an unlabelled gauge. */
const valueOf = (families: Map<string, Family>, name: string) => families.get(name)?.samples[0]?.value;

const scrape = async (url: string) => parseExposition(await (await fetch(`${url}/metrics`)).text());

/** Names, matcher labels and grouping labels of the expressions that the scraped families do not have. */
function unexported(expressions: Array<{ where: string; expr: string }>, families: Map<string, Family>): string[] {
  const histograms = new Set([...families].filter(([, f]) => f.type === 'histogram' || f.type === 'summary').map(([name]) => name));
  const problems: string[] = [];
  for (const { where, expr } of expressions) {
    const reads = readsOf(expr);
    const seenLabels = new Set([...TARGET_LABELS]);
    let external = false;
    for (const name of reads.metrics) {
      if (EXTERNAL[name]) {
        external = true;
        continue;
      }
      const family = families.get(familyOf(name, histograms));
      if (!family) {
        problems.push(`${where}: ${name} is not exported`);
        continue;
      }
      for (const label of family.labels) seenLabels.add(label);
      for (const label of reads.matcherLabels.get(name) ?? []) {
        if (!family.labels.has(label) && !TARGET_LABELS.has(label)) problems.push(`${where}: ${name} has no label ${label}`);
      }
    }
    // Grouping labels of an expression that also reads an external metric may be that one's.
    if (external) continue;
    for (const label of reads.groupingLabels) {
      if (!seenLabels.has(label)) problems.push(`${where}: no metric it reads has the label ${label}`);
    }
  }
  return problems;
}

describe('the metrics of the dashboard and the alert rules', () => {
  let redis: RedisServer;
  let vhost: Vhost;
  let writer: WriteAgentFixture;
  let reader: ReadAgentFixture;
  let families: Map<string, Family>;

  beforeAll(async () => {
    redis = (await startRedisServer())!;
    vhost = await createVhost('monitoring');
    // AMQP_URL runs the relay in the write agent, and with it the cqrs_relay_* gauges' source.
    writer = await startWriteAgent('monitoring', { REDIS_URL: redis.url, AMQP_URL: vhost.url, RELAY_LEASE_MS: '1000', RELAY_POLL_MS: '100' });
    reader = await startReadAgent({
      DATABASE_URL: writer.db.primaryUrl,
      DATABASE_REPLICA_URLS: writer.db.replicaUrls[0]!,
      REDIS_URL: redis.url,
    });
    const tokens = await runWorkload(writer.http, { agents: 3, tasks: 20 });
    // A refusal and a query of each kind, so that labelled series exist for each outcome and route.
    const [first] = (await writer.db.sql.query(`SELECT id, name FROM agents ORDER BY created_at LIMIT 1`)).rows;
    expect((await writer.http.post('/agents', { name: first.name, version: '1' })).status).toBe(409);
    const latest = tokens.at(-1)!;
    expect((await reader.http.get(`/agents/${first.id}`, { 'x-min-position': latest })).status).toBe(200);
    expect((await reader.http.get('/tasks?limit=5')).status).toBe(200);
    expect((await reader.http.get('/stats')).status).toBe(200);
    await until(
      'the relay and the projector to report nothing behind',
      async () => {
        const [written, read] = await Promise.all([scrape(writer.agent.url), scrape(reader.agent.url)]);
        return valueOf(written, 'cqrs_relay_events_behind') === 0 && valueOf(read, 'cqrs_projection_events_behind') === 0;
      },
      30_000,
    );
    families = mergeFamilies(await scrape(writer.agent.url), await scrape(reader.agent.url));
  });

  afterAll(async () => {
    await reader?.stop();
    await writer?.stop();
    await vhost?.remove();
    await redis?.stop();
  });

  it('are all exported by a running write or read agent, with the labels they select and group by', () => {
    const expressions = promqlExpressions();
    expect(expressions.length).toBeGreaterThan(20);
    expect(unexported(expressions, families)).toEqual([]);
  });

  it('name the relay, projection, breaker, read-source, command and HTTP metrics the agents export', () => {
    const named = new Set(promqlExpressions().flatMap(({ expr }) => [...readsOf(expr).metrics]));
    for (const name of [
      'cqrs_commands_total',
      'cqrs_read_source_total',
      'cqrs_store_breaker_state',
      'cqrs_projection_lag_seconds',
      'cqrs_projection_events_behind',
      'cqrs_projection_oldest_transaction_age_seconds',
      'cqrs_relay_lag_seconds',
      'cqrs_relay_events_behind',
      'http_request_duration_seconds_bucket',
    ]) {
      expect(named, name).toContain(name);
      expect(families.has(familyOf(name, new Set(['http_request_duration_seconds']))), name).toBe(true);
    }
  });

  it('exempt only external metrics that are used and that no agent exports', () => {
    const named = new Set(promqlExpressions().flatMap(({ expr }) => [...readsOf(expr).metrics]));
    for (const name of Object.keys(EXTERNAL)) {
      expect(named, `${name} is listed as external but no expression reads it`).toContain(name);
      expect(families.has(name), `${name} is exported by an agent`).toBe(false);
    }
  });

  it('catch a misspelled name, a label the metric lacks and a grouping label nothing has', () => {
    expect(
      unexported(
        [
          { where: 'a', expr: 'max(cqrs_projection_lag_secnds)' },
          { where: 'b', expr: 'sum(rate(cqrs_commands_total{outcom="failed"}[5m]))' },
          { where: 'c', expr: 'histogram_quantile(0.99, sum by (le, rout) (rate(http_request_duration_seconds_bucket[5m])))' },
          { where: 'd', expr: 'rate(http_request_duration_seconds_bucket_count[5m])' },
        ],
        families,
      ),
    ).toEqual([
      'a: cqrs_projection_lag_secnds is not exported',
      'b: cqrs_commands_total has no label outcom',
      'c: no metric it reads has the label rout',
      'd: http_request_duration_seconds_bucket_count is not exported',
    ]);
  });

  it('shows the relay and the projector caught up, every breaker closed and the commands by outcome', () => {
    for (const name of ['cqrs_relay_lag_seconds', 'cqrs_projection_lag_seconds', 'cqrs_projection_events_behind', 'cqrs_relay_events_behind']) {
      expect(valueOf(families, name), name).toBe(0);
    }
    expect(valueOf(families, 'cqrs_relay_published_total')).toBeGreaterThan(0);
    const breakers = families.get('cqrs_store_breaker_state')!.samples;
    expect(breakers.map((sample) => sample.labels).join(' ')).toMatch(/store="redis"/);
    expect(breakers.every((sample) => sample.value === 0)).toBe(true);
    const outcomes = families.get('cqrs_commands_total')!.samples.map((sample) => sample.labels);
    expect(outcomes.some((labels) => labels.includes('outcome="accepted"'))).toBe(true);
    expect(outcomes.some((labels) => labels.includes('outcome="rejected"'))).toBe(true);
  });
});

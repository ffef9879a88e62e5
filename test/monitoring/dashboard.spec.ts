import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_FLEET_DASHBOARD, DASHBOARDS, PROVISIONING, panelsOf, promqlExpressions, readJson, readYaml } from './monitoring-files.js';
import { readsOf } from './promql.js';

type Dict = Record<string, any>;

const datasources: Dict[] = readdirSync(join(PROVISIONING, 'datasources')).flatMap(
  (file) => readYaml(join(PROVISIONING, 'datasources', file)).datasources ?? [],
);

describe('the Grafana dashboard (deploy/monitoring/grafana/dashboards)', () => {
  const dashboard = readJson(AGENT_FLEET_DASHBOARD);
  const panels = panelsOf(dashboard).filter((panel) => panel.type !== 'row');

  it('is valid JSON for every file of the folder, each with its own uid and a title', () => {
    const files = readdirSync(DASHBOARDS).filter((file) => file.endsWith('.json'));
    expect(files).toContain('agent-fleet.json');
    const uids = files.map((file) => JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')).uid);
    expect(new Set(uids).size).toBe(files.length);
    expect(dashboard.title).toBeTruthy();
    expect(panels.length).toBeGreaterThan(10);
  });

  it('gives every panel and query a datasource that the provisioning defines, by uid and type', () => {
    const known = new Map(datasources.map((source) => [source.uid, source.type]));
    expect(known.size).toBeGreaterThan(0);
    for (const panel of panels) {
      const refs = [panel.datasource, ...(panel.targets ?? []).map((target: Dict) => target.datasource)];
      for (const ref of refs) {
        expect(ref, `panel "${panel.title}"`).toBeTruthy();
        expect(known.get(ref.uid), `panel "${panel.title}": datasource ${JSON.stringify(ref)}`).toBe(ref.type);
      }
    }
  });

  it('gives every panel a query, a unique id and a place on the 24-column grid', () => {
    const ids = panelsOf(dashboard).map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) expect(String(target.expr ?? '').trim(), `${panel.title} ${target.refId}`).not.toBe('');
      const { x, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      expect(h, panel.title).toBeGreaterThan(0);
    }
  });

  it('shows commands, query latency p50/p99, read sources, projection, replica and relay lag, breakers, queues and the oldest transaction', () => {
    const exprs = promqlExpressions().filter(({ where }) => where.startsWith('panel'));
    const metrics = new Set(exprs.flatMap(({ expr }) => [...readsOf(expr).metrics]));
    for (const name of [
      'cqrs_commands_total',
      'http_request_duration_seconds_bucket',
      'cqrs_read_source_total',
      'cqrs_projection_lag_seconds',
      'cqrs_projection_events_behind',
      'pg_replication_lag_seconds',
      'cqrs_store_breaker_state',
      'cqrs_relay_lag_seconds',
      'rabbitmq_queue_messages_ready',
      'cqrs_projection_oldest_transaction_age_seconds',
    ]) {
      expect(metrics, name).toContain(name);
    }
    const queryLatency = exprs.filter(({ expr }) => /job="read-agent"/.test(expr) && /histogram_quantile/.test(expr));
    expect(queryLatency.map(({ expr }) => /histogram_quantile\((0\.\d+),/.exec(expr)?.[1]).sort()).toEqual(['0.5', '0.99']);
    for (const { expr } of queryLatency) expect(readsOf(expr).groupingLabels).toContain('route');
    expect(exprs.some(({ expr }) => /sum by \(command\)/.test(expr))).toBe(true);
  });
});

describe('the Grafana provisioning (deploy/monitoring/grafana/provisioning)', () => {
  it('defines one default Prometheus datasource, at the Compose prometheus service', () => {
    expect(datasources.filter((source) => source.isDefault)).toHaveLength(1);
    const prometheus = datasources.find((source) => source.type === 'prometheus')!;
    expect(new URL(prometheus.url).host).toBe('prometheus:9090');
  });

  it('provides the dashboards folder as a file provider', () => {
    const providers: Dict[] = readdirSync(join(PROVISIONING, 'dashboards')).flatMap(
      (file) => readYaml(join(PROVISIONING, 'dashboards', file)).providers ?? [],
    );
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file' });
    expect(providers[0]!.options.path).toMatch(/^\//);
  });
});

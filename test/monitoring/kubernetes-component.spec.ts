import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderKustomization } from '../support/kustomize.js';
import { ALERT_RULES, COMPONENT, MONITORING, PROMETHEUS_CONFIG, ROOT, readYaml } from './monitoring-files.js';

type Dict = Record<string, any>;
const run = promisify(execFile);

const BASE = join(ROOT, 'deploy/k8s/base');

/** Whether a Kubernetes label selector (matchLabels and matchExpressions) selects these labels. */
function selects(selector: Dict, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }: Dict) => {
    switch (operator) {
      case 'In':
        return key in labels && values.includes(labels[key]);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}

describe('the monitoring component (deploy/k8s/components/monitoring)', () => {
  const component = readYaml(join(COMPONENT, 'kustomization.yaml'));
  const objects = renderKustomization(COMPONENT);
  const podMonitor = objects.find((object) => object.kind === 'PodMonitor')!;
  const prometheusRule = objects.find((object) => object.kind === 'PrometheusRule')!;
  const base = renderKustomization(BASE);
  const deployments = base.filter((object) => object.kind === 'Deployment');
  const scratch = mkdtempSync(join(tmpdir(), 'monitoring-rule-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is a Component listing every manifest of its folder', () => {
    expect(component.kind).toBe('Component');
    const manifests = readdirSync(COMPONENT).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml');
    expect([...component.resources].sort()).toEqual(manifests.sort());
    expect(podMonitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(prometheusRule.apiVersion).toBe('monitoring.coreos.com/v1');
  });

  it('selects the pods of the write and read agents, and no other pods of the base', () => {
    const selected = deployments
      .filter((deployment) => selects(podMonitor.spec.selector, deployment.spec.template.metadata.labels))
      .map((deployment) => deployment.metadata.name);
    expect(selected.sort()).toEqual(['read-agent', 'write-agent']);
  });

  it("scrapes /metrics on a port name that every selected pod's agent container declares", () => {
    const endpoints: Dict[] = podMonitor.spec.podMetricsEndpoints;
    expect(endpoints.length).toBeGreaterThan(0);
    for (const deployment of deployments.filter((d) => selects(podMonitor.spec.selector, d.spec.template.metadata.labels))) {
      const ports = deployment.spec.template.spec.containers.flatMap((container: Dict) => (container.ports ?? []).map((port: Dict) => port.name));
      for (const endpoint of endpoints) {
        expect(ports, `${deployment.metadata.name}: port ${endpoint.port}`).toContain(endpoint.port);
        expect(endpoint.path).toBe('/metrics');
      }
    }
  });

  it('names each job after the pod label whose values are the Compose job names the dashboard selects', () => {
    const composeJobs = (readYaml(PROMETHEUS_CONFIG).scrape_configs as Dict[]).map((job) => job.job_name);
    for (const deployment of deployments.filter((d) => selects(podMonitor.spec.selector, d.spec.template.metadata.labels))) {
      const job = deployment.spec.template.metadata.labels[podMonitor.spec.jobLabel];
      expect(composeJobs, deployment.metadata.name).toContain(job);
    }
  });

  it('carries in its PrometheusRule exactly the groups of deploy/monitoring/prometheus/alerts.yml', () => {
    expect(prometheusRule.spec.groups).toEqual(readYaml(ALERT_RULES).groups);
  });

  it('is what render-prometheus-rule.mjs writes from the rules file now', async () => {
    const rendered = join(scratch, 'prometheus-rule.yaml');
    await run(process.execPath, [join(MONITORING, 'render-prometheus-rule.mjs'), rendered], { timeout: 30_000 });
    expect(readFileSync(join(COMPONENT, 'prometheus-rule.yaml'), 'utf8')).toBe(readFileSync(rendered, 'utf8'));
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MONITORING = join(ROOT, 'deploy/monitoring');
export const PROMETHEUS_CONFIG = join(MONITORING, 'prometheus/prometheus.yml');
export const ALERT_RULES = join(MONITORING, 'prometheus/alerts.yml');
export const DASHBOARDS = join(MONITORING, 'grafana/dashboards');
export const PROVISIONING = join(MONITORING, 'grafana/provisioning');
export const COMPONENT = join(ROOT, 'deploy/k8s/components/monitoring');

type Dict = Record<string, any>;

export const readYaml = (path: string): Dict => parse(readFileSync(path, 'utf8'));
export const readJson = (path: string): Dict => JSON.parse(readFileSync(path, 'utf8'));

export interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): Rule[] {
  return (readYaml(ALERT_RULES).groups as Dict[]).flatMap((group) => group.rules as Rule[]);
}

/** Every panel, those inside collapsed rows included. */
export function panelsOf(dashboard: Dict): Dict[] {
  return (dashboard.panels ?? []).flatMap((panel: Dict) => [panel, ...(panel.panels ?? [])]);
}

export const AGENT_FLEET_DASHBOARD = join(DASHBOARDS, 'agent-fleet.json');

/** Every PromQL expression of the dashboard and of the alert rules, with where it is. */
export function promqlExpressions(): Array<{ where: string; expr: string }> {
  const dashboard = readJson(AGENT_FLEET_DASHBOARD);
  const fromPanels = panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target: Dict) => ({ where: `panel "${panel.title}" ${target.refId}`, expr: String(target.expr) })),
  );
  const fromRules = alertRules().map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr }));
  return [...fromPanels, ...fromRules];
}

// Writes deploy/k8s/components/monitoring/prometheus-rule.yaml from
// deploy/monitoring/prometheus/alerts.yml: the same groups, as a Prometheus Operator
// PrometheusRule. Kustomize loads no file from outside a kustomization's folder, so the
// copy is committed; test/monitoring checks that it matches. Run after editing the rules:
//   node deploy/monitoring/render-prometheus-rule.mjs [output file, by default the component's]
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const root = new URL('../../', import.meta.url);
const rules = parse(readFileSync(new URL('deploy/monitoring/prometheus/alerts.yml', root), 'utf8'));

const prometheusRule = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'agent-fleet', labels: { 'app.kubernetes.io/name': 'agent-fleet-alerts' } },
  spec: { groups: rules.groups },
};

const header = [
  '# Generated from deploy/monitoring/prometheus/alerts.yml by deploy/monitoring/render-prometheus-rule.mjs:',
  '# edit that file and run the script; do not edit this one.',
  '# https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRule',
  '',
].join('\n');

const output = process.argv[2] ?? new URL('deploy/k8s/components/monitoring/prometheus-rule.yaml', root);
writeFileSync(output, header + stringify(prometheusRule, { lineWidth: 0 }));

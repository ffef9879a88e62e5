import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderKustomization, strategicMerge } from '../support/kustomize.js';

// The renderer against what `kubectl kustomize` (kustomize v5.5.0) printed for the same
// inputs: the generated names and the order strategic merge gives to list entries. When
// deploy/k8s changes a generated ConfigMap or Secret, take the new names from
// `kubectl kustomize deploy/k8s/overlays/example`.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the kustomize renderer', () => {
  it('names generated ConfigMaps and Secrets with the suffixes kustomize gives them', () => {
    const names = renderKustomization(join(ROOT, 'deploy/k8s/overlays/example'))
      .filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret')
      .map((o) => o.metadata.name)
      .sort();
    expect(names).toEqual([
      'agent-fleet-config-thftgm24g4',
      'agent-fleet-secrets-b97529cm72',
      'echo-worker-config-tcbfcdf98k',
      'gateway-nginx-7m559h72m7',
    ]);
  });

  it('rewrites every reference to a generated name', () => {
    const objects = renderKustomization(join(ROOT, 'deploy/k8s/overlays/example'));
    const worker = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'echo-worker')!;
    const refs = worker.spec.template.spec.containers[0].env.flatMap((v: any) => [v.valueFrom?.secretKeyRef?.name, v.valueFrom?.configMapKeyRef?.name]).filter(Boolean);
    expect(new Set(refs)).toEqual(new Set(['agent-fleet-secrets-b97529cm72', 'echo-worker-config-tcbfcdf98k']));
    const gateway = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'gateway')!;
    expect(gateway.spec.template.spec.volumes[0].configMap.name).toBe('gateway-nginx-7m559h72m7');
    const migrate = objects.find((o) => o.kind === 'CronJob' && o.metadata.name === 'migrate')!;
    expect(migrate.spec.jobTemplate.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name).toBe('agent-fleet-secrets-b97529cm72');
  });

  it("labels a CronJob's job template and pod template with the labels that include templates", () => {
    const objects = renderKustomization(join(ROOT, 'deploy/k8s/overlays/example'));
    const rebuild = objects.find((o) => o.kind === 'CronJob' && o.metadata.name === 'rebuild-projections')!;
    expect(rebuild.spec.jobTemplate.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'agent-fleet' });
    expect(rebuild.spec.jobTemplate.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'rebuild-projections', 'app.kubernetes.io/part-of': 'agent-fleet' });
  });

  it("merges keyed lists by key, puts the patch's entries first, and deletes on $patch: delete", () => {
    const base = { env: [{ name: 'A', value: '1' }, { name: 'DB', value: 'old' }, { name: 'C', value: '3' }] };
    const dropped = strategicMerge(base, { env: [{ name: 'DB', $patch: 'delete' }] });
    const merged = strategicMerge(dropped, { env: [{ name: 'PW', value: 'p' }, { name: 'DB', value: 'new' }, { name: 'C', value: 'three' }] });
    expect(merged).toEqual({ env: [{ name: 'PW', value: 'p' }, { name: 'DB', value: 'new' }, { name: 'C', value: 'three' }, { name: 'A', value: '1' }] });
  });

  it('replaces lists without a merge key and removes fields set to null', () => {
    expect(strategicMerge({ command: ['a', 'b'], x: 1 }, { command: ['c'], x: null })).toEqual({ command: ['c'] });
  });
});

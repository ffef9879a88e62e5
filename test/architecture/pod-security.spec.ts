import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { podTemplateOf, renderKustomization } from '../support/kustomize.js';

// The Pod Security Standards' `restricted` profile
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/), which the
// namespace enforces, checked on every pod template of the base, plus the project's own
// rules: no service account token, a read-only root filesystem.

type Dict = Record<string, any>;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASE = join(ROOT, 'deploy/k8s/base');

const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const ALLOWED_SECCOMP = new Set(['RuntimeDefault', 'Localhost']);

/** What a pod spec breaks of the restricted profile and the project's rules; empty when none. */
function podSecurityViolations(pod: Dict): string[] {
  const violations: string[] = [];
  const podContext = pod.securityContext ?? {};
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[field]) violations.push(`pod: ${field}`);
  if (podContext.windowsOptions?.hostProcess) violations.push('pod: hostProcess');
  if (podContext.sysctls?.length) violations.push('pod: sysctls');
  if (podContext.runAsUser === 0) violations.push('pod: runAsUser 0');
  if (podContext.seccompProfile && !ALLOWED_SECCOMP.has(podContext.seccompProfile.type)) violations.push('pod: seccompProfile');
  if (pod.automountServiceAccountToken !== false) violations.push('pod: automountServiceAccountToken is not false');
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (!type || !RESTRICTED_VOLUMES.has(type)) violations.push(`volume ${volume.name}: ${type}`);
  }
  for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])]) {
    const context = container.securityContext ?? {};
    const where = `container ${container.name}`;
    if (context.privileged) violations.push(`${where}: privileged`);
    if (context.allowPrivilegeEscalation !== false) violations.push(`${where}: allowPrivilegeEscalation is not false`);
    if (!(context.capabilities?.drop ?? []).includes('ALL')) violations.push(`${where}: capabilities do not drop ALL`);
    for (const added of context.capabilities?.add ?? []) if (added !== 'NET_BIND_SERVICE') violations.push(`${where}: adds ${added}`);
    const nonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    if (nonRoot !== true) violations.push(`${where}: runAsNonRoot is not true`);
    if (context.runAsUser === 0) violations.push(`${where}: runAsUser 0`);
    const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (!ALLOWED_SECCOMP.has(seccomp)) violations.push(`${where}: seccompProfile is not RuntimeDefault or Localhost`);
    if (context.procMount && context.procMount !== 'Default') violations.push(`${where}: procMount`);
    if (context.windowsOptions?.hostProcess) violations.push(`${where}: hostProcess`);
    for (const port of container.ports ?? []) if (port.hostPort) violations.push(`${where}: hostPort ${port.hostPort}`);
    if (context.readOnlyRootFilesystem !== true) violations.push(`${where}: readOnlyRootFilesystem is not true`);
  }
  return violations;
}

const compliant = (): Dict => ({
  automountServiceAccountToken: false,
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name: 'app',
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    },
  ],
  volumes: [{ name: 'tmp', emptyDir: {} }],
});

describe('the restricted profile checker', () => {
  it('accepts a compliant pod', () => {
    expect(podSecurityViolations(compliant())).toEqual([]);
  });

  it.each<[string, (pod: Dict) => void]>([
    ['root', (pod) => (pod.securityContext.runAsNonRoot = false)],
    ['no seccomp profile', (pod) => delete pod.securityContext.seccompProfile],
    ['an Unconfined container', (pod) => (pod.containers[0].securityContext.seccompProfile = { type: 'Unconfined' })],
    ['privilege escalation', (pod) => delete pod.containers[0].securityContext.allowPrivilegeEscalation],
    ['kept capabilities', (pod) => (pod.containers[0].securityContext.capabilities = { add: ['NET_ADMIN'] })],
    ['a hostPath volume', (pod) => pod.volumes.push({ name: 'host', hostPath: { path: '/' } })],
    ['the host network', (pod) => (pod.hostNetwork = true)],
    ['a host port', (pod) => (pod.containers[0].ports = [{ containerPort: 80, hostPort: 80 }])],
    ['a privileged init container', (pod) => (pod.initContainers = [{ name: 'init', securityContext: { privileged: true } }])],
    ['a mounted service account token', (pod) => delete pod.automountServiceAccountToken],
    ['a writable root filesystem', (pod) => (pod.containers[0].securityContext.readOnlyRootFilesystem = false)],
  ])('refuses %s', (_, breakIt) => {
    const pod = compliant();
    breakIt(pod);
    expect(podSecurityViolations(pod)).not.toEqual([]);
  });
});

describe('the Kubernetes base under Pod Security "restricted"', () => {
  const objects = renderKustomization(BASE);
  const workloads = objects.filter((object) => podTemplateOf(object));

  it('has workloads to check: the agents, the gateway and the on-demand jobs', () => {
    expect(workloads.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'CronJob/migrate',
      'CronJob/rebuild-projections',
      'Deployment/gateway',
      'Deployment/read-agent',
      'Deployment/write-agent',
    ]);
  });

  it.each(workloads.map((object) => [`${object.kind}/${object.metadata.name}`, object] as const))(
    '%s meets every rule',
    (_, object) => {
      expect(podSecurityViolations(podTemplateOf(object)!.spec)).toEqual([]);
    },
  );

  it('enforces the restricted profile on the namespace', () => {
    const namespace: Dict = parse(readFileSync(join(BASE, 'namespace.yaml'), 'utf8'));
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });
});

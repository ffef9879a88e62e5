import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_RESOURCE_SCHEMAS } from './custom-resource-schemas.js';
import { containersOf, type K8sObject, podSpecs, podTemplateOf, renderKustomization } from '../support/kustomize.js';

// The overlays rendered without kubectl (test/support/kustomize.ts gives what
// `kubectl kustomize` gives for them), every built-in object validated against the
// Kubernetes schemas of kubernetes-models, every custom resource against
// custom-resource-schemas.ts, and the production overlay held to its promises.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const render = (overlay: string) => renderKustomization(join(ROOT, 'deploy/k8s/overlays', overlay), { envFromExamples: true });

const BUILT_IN_GROUPS = /^(v1|apps\/v1|batch\/v1|policy\/v1|autoscaling\/v2|networking\.k8s\.io\/v1|rbac\.authorization\.k8s\.io\/v1)$/;
const isBuiltIn = (object: K8sObject) => BUILT_IN_GROUPS.test(object.apiVersion);
const id = (object: K8sObject) => `${object.kind} ${object.metadata.name}`;

/** kubernetes-models' validation of one built-in object: undefined when valid, else the error. */
async function kubernetesSchemaError(object: K8sObject): Promise<string | undefined> {
  const models = await import(/* @vite-ignore */ `kubernetes-models/${object.apiVersion}`);
  const Model = models[object.kind];
  if (!Model) return `kubernetes-models has no ${object.apiVersion} ${object.kind}`;
  // kustomize wraps a Secret's base64 at 70 characters; the API server's decoder skips
  // newlines, the schema's "byte" format does not.
  const decoded = object.kind === 'Secret' && object.data ? { ...object, data: Object.fromEntries(Object.entries(object.data).map(([k, v]) => [k, String(v).replace(/\n/g, '')])) } : object;
  try {
    new Model(decoded).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
function customResourceErrors(object: K8sObject): string | undefined {
  const schema = CUSTOM_RESOURCE_SCHEMAS[`${object.apiVersion}/${object.kind}`];
  if (!schema) return `no schema for ${object.apiVersion} ${object.kind}`;
  const validate = ajv.compile(schema);
  return validate(object) ? undefined : ajv.errorsText(validate.errors);
}

describe.each([['example'], ['production']])('the %s overlay, rendered', (overlay) => {
  let objects: K8sObject[] = [];
  beforeAll(() => {
    objects = render(overlay);
  });

  it('puts every namespaced object in agent-fleet', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) expect(object.metadata.namespace, id(object)).toBe('agent-fleet');
  });

  it('gives only built-in objects that the Kubernetes schemas accept', async () => {
    const builtIns = objects.filter(isBuiltIn);
    expect(builtIns.length).toBeGreaterThan(10);
    for (const object of builtIns) expect(await kubernetesSchemaError(object), id(object)).toBeUndefined();
  });

  it('gives only custom resources whose schema accepts them', () => {
    for (const object of objects.filter((o) => !isBuiltIn(o))) expect(customResourceErrors(object), id(object)).toBeUndefined();
  });

  it('refers only to ConfigMap and Secret keys that exist, or to Secrets an operator of the overlay makes', () => {
    const operatorSecrets = new Set([
      ...objects.filter((o) => o.kind === 'Cluster').map((o) => `${o.metadata.name}-app`),
      ...objects.filter((o) => o.kind === 'RabbitmqCluster').map((o) => `${o.metadata.name}-default-user`),
    ]);
    const keys = (kind: string, name: string): string[] | undefined => {
      const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
      return found && Object.keys(found.data ?? {});
    };
    for (const object of objects) {
      for (const container of containersOf(object)) {
        for (const variable of container.env ?? []) {
          const config = variable.valueFrom?.configMapKeyRef;
          const secret = variable.valueFrom?.secretKeyRef;
          const where = `${id(object)} ${container.name} ${variable.name}`;
          if (config) expect(keys('ConfigMap', config.name), where).toContain(config.key);
          if (secret && !operatorSecrets.has(secret.name)) expect(keys('Secret', secret.name), where).toContain(secret.key);
        }
        for (const from of container.envFrom ?? []) {
          if (from.configMapRef) expect(keys('ConfigMap', from.configMapRef.name), id(object)).toBeDefined();
        }
      }
      for (const spec of podSpecs(object)) {
        for (const volume of spec.volumes ?? []) {
          if (volume.configMap) expect(keys('ConfigMap', volume.configMap.name), `${id(object)} ${volume.name}`).toBeDefined();
        }
      }
    }
  });
});

describe('the production overlay', () => {
  let objects: K8sObject[] = [];
  const all = (kind: string) => objects.filter((o) => o.kind === kind);
  const one = (kind: string, name?: string) => {
    const found = all(kind).filter((o) => name === undefined || o.metadata.name === name);
    expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
    return found[0];
  };
  /** The container named like its workload (a Deployment, or a CronJob as `CronJob/name`). */
  const container = (workload: string) => {
    const [kind, name] = workload.includes('/') ? workload.split('/') : ['Deployment', workload];
    return podSpecs(one(kind, name))[0].containers.find((c: K8sObject) => c.name === name);
  };
  const env = (workload: string, name: string) => container(workload).env?.find((v: K8sObject) => v.name === name);
  /** A variable's value as the kubelet expands it, with each $(VAR) reference replaced by VAR. */
  const expanded = (value: string) => value.replace(/\$\((\w+)\)/g, '$1');

  beforeAll(() => {
    objects = render('production');
  });

  it('includes the CloudNativePG, network-policy and workers components but not the pg_dump CronJob', () => {
    expect(all('Cluster')).toHaveLength(1);
    expect(all('NetworkPolicy').length).toBeGreaterThan(5);
    expect(one('ScaledObject', 'echo-worker')).toBeTruthy();
    // Only the base's suspended templates for one-off Jobs.
    expect(all('CronJob').map((o) => [o.metadata.name, o.spec.suspend])).toEqual([
      ['rebuild-projections', true],
      ['migrate', true],
    ]);
  });

  it('runs PostgreSQL 15 as three instances with synchronous replication on', () => {
    const cluster = one('Cluster');
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:15\.\d+/);
    const { synchronous } = cluster.spec.postgresql;
    expect(synchronous).toMatchObject({ method: 'any', number: 1 });
    // Absent, dataDurability defaults to required; preferred would turn it off without a standby.
    expect(synchronous.dataDurability ?? 'required').toBe('required');
    expect(cluster.spec.instances).toBeGreaterThan(synchronous.number);
  });

  it('bootstraps agent_fleet with an owner, and gives the agents a login role that owns nothing', () => {
    const cluster = one('Cluster');
    const { initdb } = cluster.spec.bootstrap;
    expect(initdb.database).toBe('agent_fleet');
    const [role] = cluster.spec.managed.roles;
    expect(role).toMatchObject({ login: true, superuser: false, createdb: false, createrole: false, replication: false });
    expect(role.name).not.toBe(initdb.owner);
    const password = one('Secret', role.passwordSecret.name);
    expect(password.type).toBe('kubernetes.io/basic-auth');
    expect(Buffer.from(password.data.username, 'base64').toString()).toBe(role.name);
    // Its grants: default privileges on what the owner (the migrations) creates.
    expect(initdb.postInitApplicationSQL.join('\n')).toContain(`ALTER DEFAULT PRIVILEGES FOR ROLE ${initdb.owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role.name}`);
  });

  it('points the agents and the rebuild at the -rw service and the replicas at -ro, as the app role', () => {
    const cluster = one('Cluster');
    const role = cluster.spec.managed.roles[0].name;
    for (const agent of ['write-agent', 'read-agent', 'CronJob/rebuild-projections']) {
      const primary = new URL(expanded(env(agent, 'DATABASE_URL').value));
      expect(primary.hostname, agent).toBe(`${cluster.metadata.name}-rw`);
      expect(primary.username, agent).toBe(role);
      expect(primary.pathname).toBe(`/${cluster.spec.bootstrap.initdb.database}`);
      // The password variable must come first for the kubelet to expand it.
      const names = container(agent).env.map((v: K8sObject) => v.name);
      expect(names.indexOf('DATABASE_APP_PASSWORD'), agent).toBeLessThan(names.indexOf('DATABASE_URL'));
    }
    for (const reader of ['read-agent', 'CronJob/rebuild-projections']) {
      const replicas = expanded(env(reader, 'DATABASE_REPLICA_URLS').value).split(',');
      expect(replicas.map((url) => new URL(url).hostname), reader).toEqual([`${cluster.metadata.name}-ro`]);
    }
  });

  it('runs every migration as the owner, from the Secret CloudNativePG generates for it', () => {
    const cluster = one('Cluster');
    const migrations = objects.flatMap((object) =>
      containersOf(object)
        .filter((c) => (c.command ?? []).join(' ').includes('dist/scripts/migrate.js'))
        .map((c) => ({ where: `${id(object)} ${c.name}`, url: c.env.find((v: K8sObject) => v.name === 'DATABASE_URL') })),
    );
    // The init container of each agent Deployment and the migrate CronJob, nothing else.
    expect(migrations.map((m) => m.where).sort()).toEqual(['CronJob migrate migrate', 'Deployment read-agent migrate', 'Deployment write-agent migrate']);
    for (const { where, url } of migrations) expect(url.valueFrom?.secretKeyRef, where).toEqual({ name: `${cluster.metadata.name}-app`, key: 'uri' });
  });

  it('backs up daily at 02:00 to object storage, keeping 7 days', () => {
    const cluster = one('Cluster');
    const backup = one('ScheduledBackup');
    expect(backup.spec.schedule).toBe('0 0 2 * * *');
    expect(backup.spec.cluster.name).toBe(cluster.metadata.name);
    const [plugin] = cluster.spec.plugins;
    expect(plugin).toMatchObject({ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true });
    expect(backup.spec).toMatchObject({ method: 'plugin', pluginConfiguration: { name: plugin.name } });
    const store = one('ObjectStore', plugin.parameters.barmanObjectName);
    expect(store.spec.retentionPolicy).toBe('7d');
    for (const credential of Object.values(store.spec.configuration.s3Credentials) as K8sObject[]) {
      expect(Object.keys(one('Secret', credential.name).data)).toContain(credential.key);
    }
  });

  it('follows a Sentinel-managed Redis: the sentinels of its StatefulSet, and no REDIS_URL', () => {
    const redis = one('StatefulSet', 'redis');
    const service = one('Service', redis.spec.serviceName);
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports.map((p: K8sObject) => p.port)).toContain(26379);
    const pods = Array.from({ length: redis.spec.replicas }, (_, i) => `${redis.metadata.name}-${i}.${service.metadata.name}`);
    expect(pods.length).toBe(3);
    const sentinel = redis.spec.template.spec.containers.find((c: K8sObject) => c.name === 'sentinel');
    expect(sentinel.command[0]).toBe('redis-sentinel');
    for (const agent of ['write-agent', 'read-agent', 'CronJob/rebuild-projections']) {
      expect(env(agent, 'REDIS_URL'), agent).toBeUndefined();
      expect(env(agent, 'REDIS_SENTINEL_NAME').value).toBe('agent-fleet');
      expect(env(agent, 'REDIS_SENTINELS').value.split(',')).toEqual(pods.map((pod) => `${pod}:26379`));
    }
    const init = redis.spec.template.spec.initContainers.find((c: K8sObject) => c.name === 'configure');
    expect(init.env.find((v: K8sObject) => v.name === 'MASTER_NAME').value).toBe('agent-fleet');
  });

  it('protects Redis and the sentinels with the passwords the agents log in with', () => {
    const pod = one('StatefulSet', 'redis').spec.template.spec;
    const [auth] = pod.initContainers.find((c: K8sObject) => c.name === 'configure').envFrom.map((from: K8sObject) => from.secretRef.name);
    const secret = one('Secret', auth);
    expect(Object.keys(secret.data).sort()).toEqual(['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD']);
    const script = one('ConfigMap', pod.volumes.find((v: K8sObject) => v.name === 'config').configMap.name).data['configure.sh'];
    for (const line of ['requirepass $REDIS_PASSWORD', 'masterauth $REDIS_PASSWORD', 'requirepass $REDIS_SENTINEL_PASSWORD', 'sentinel sentinel-pass $REDIS_SENTINEL_PASSWORD', 'sentinel auth-pass $MASTER_NAME $REDIS_PASSWORD']) {
      expect(script).toContain(line);
    }
    // The probes' redis-cli logs in too, or a NOAUTH answer would pass for a live server.
    for (const [container, key] of [['redis', 'REDIS_PASSWORD'], ['sentinel', 'REDIS_SENTINEL_PASSWORD']]) {
      const variable = pod.containers.find((c: K8sObject) => c.name === container).env.find((v: K8sObject) => v.name === 'REDISCLI_AUTH');
      expect(variable.valueFrom.secretKeyRef, container).toEqual({ name: auth, key });
    }
    for (const agent of ['write-agent', 'read-agent', 'CronJob/rebuild-projections']) {
      for (const key of ['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD']) {
        expect(env(agent, key).valueFrom.secretKeyRef, `${agent} ${key}`).toEqual({ name: auth, key });
      }
    }
  });

  it('relays to a three-node RabbitmqCluster with AMQP_URL built from its default-user Secret', () => {
    const rabbit = one('RabbitmqCluster');
    expect(rabbit.spec.replicas).toBe(3);
    for (const deployment of ['write-agent', 'echo-worker']) {
      const url = new URL(expanded(env(deployment, 'AMQP_URL').value));
      expect(url.protocol).toBe('amqp:');
      expect(url.hostname, deployment).toBe(rabbit.metadata.name);
      expect(url.username).toBe('AMQP_USERNAME');
      for (const [name, key] of [['AMQP_USERNAME', 'username'], ['AMQP_PASSWORD', 'password']]) {
        expect(env(deployment, name).valueFrom.secretKeyRef, `${deployment} ${name}`).toEqual({ name: `${rabbit.metadata.name}-default-user`, key });
      }
      const names = container(deployment).env.map((v: K8sObject) => v.name);
      expect(names.indexOf('AMQP_PASSWORD')).toBeLessThan(names.indexOf('AMQP_URL'));
    }
  });

  it('spreads every Deployment and StatefulSet over zones, its own pods counted', () => {
    for (const workload of [...all('Deployment'), ...all('StatefulSet')]) {
      const spread = (workload.spec.template.spec.topologySpreadConstraints ?? []).find((c: K8sObject) => c.topologyKey === 'topology.kubernetes.io/zone');
      expect(spread, id(workload)).toBeTruthy();
      expect(spread.labelSelector.matchLabels, id(workload)).toEqual(workload.spec.selector.matchLabels);
    }
    for (const cluster of [...all('Cluster'), ...all('RabbitmqCluster')]) {
      const constraints = cluster.spec.topologySpreadConstraints ?? cluster.spec.override?.statefulSet?.spec?.template?.spec?.topologySpreadConstraints;
      expect(constraints?.map((c: K8sObject) => c.topologyKey), id(cluster)).toContain('topology.kubernetes.io/zone');
    }
  });

  it('gives every container CPU and memory requests and a memory limit', () => {
    const holders = [
      ...objects.flatMap((object) => containersOf(object).map((c) => ({ where: `${id(object)} ${c.name}`, resources: c.resources }))),
      ...[...all('Cluster'), ...all('RabbitmqCluster')].map((o) => ({ where: id(o), resources: o.spec.resources })),
    ];
    expect(holders.length).toBeGreaterThan(10);
    for (const { where, resources } of holders) {
      expect(resources?.requests?.cpu, where).toBeTruthy();
      expect(resources?.requests?.memory, where).toBeTruthy();
      expect(resources?.limits?.memory, where).toBeTruthy();
    }
  });

  it('pins every image by digest', () => {
    const images = [
      ...objects.flatMap((object) => containersOf(object).map((c) => ({ where: `${id(object)} ${c.name}`, image: c.image }))),
      ...all('Cluster').map((o) => ({ where: id(o), image: o.spec.imageName })),
      ...all('RabbitmqCluster').map((o) => ({ where: id(o), image: o.spec.image })),
    ];
    expect(images.length).toBeGreaterThan(8);
    for (const { where, image } of images) expect(image, where).toMatch(/^[^@\s]+:[^@:/\s]+@sha256:[0-9a-f]{64}$/);
  });

  it('labels the namespace for Pod Security restricted, and every pod template meets its main rules', () => {
    const namespace = one('Namespace', 'agent-fleet');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const object of objects) {
      for (const spec of podSpecs(object)) {
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const where = `${id(object)} ${c.name}`;
          expect(c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot, where).toBe(true);
          expect((c.securityContext?.seccompProfile ?? spec.securityContext?.seccompProfile)?.type, where).toBe('RuntimeDefault');
          expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
          expect(c.securityContext?.capabilities?.drop, where).toContain('ALL');
        }
      }
    }
  });

  it('terminates TLS at an Ingress in front of the gateway Service', () => {
    const ingress = one('Ingress');
    const [tls] = ingress.spec.tls;
    expect(tls.secretName).toBeTruthy();
    const [rule] = ingress.spec.rules;
    expect(tls.hosts).toContain(rule.host);
    const backend = rule.http.paths[0].backend.service;
    const gateway = one('Service', backend.name);
    expect(gateway.spec.ports.map((p: K8sObject) => p.name)).toContain(backend.port.name);
  });

  describe('network policies', () => {
    /** The labels of every pod the namespace may run: templates (Jobs made from the CronJobs copy theirs), operator pods. */
    function podLabels(): Array<Record<string, string>> {
      const templates = objects.filter((o) => podSpecs(o).length).map((o) => podTemplateOf(o)!.metadata?.labels ?? {});
      // The labels the operators put on their pods (CloudNativePG: cnpg.io/cluster; RabbitMQ: app.kubernetes.io/name = the cluster's name).
      const operated = [
        ...all('Cluster').map((o) => ({ 'cnpg.io/cluster': o.metadata.name, 'cnpg.io/podRole': 'instance' })),
        ...all('RabbitmqCluster').map((o) => ({ 'app.kubernetes.io/name': o.metadata.name, 'app.kubernetes.io/component': 'rabbitmq', 'app.kubernetes.io/part-of': 'rabbitmq' })),
      ];
      return [...templates, ...operated];
    }

    function selects(selector: K8sObject, labels: Record<string, string>): boolean {
      const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
      const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }: K8sObject) => {
        if (operator === 'In') return values.includes(labels[key]);
        if (operator === 'NotIn') return !values.includes(labels[key]);
        if (operator === 'Exists') return key in labels;
        return !(key in labels);
      });
      return byLabels && byExpressions;
    }

    /** Every pod selector of a policy that means pods of this namespace. */
    function podSelectors(policy: K8sObject): K8sObject[] {
      const peers = [...(policy.spec.ingress ?? []).flatMap((r: K8sObject) => r.from ?? []), ...(policy.spec.egress ?? []).flatMap((r: K8sObject) => r.to ?? [])];
      return [policy.spec.podSelector, ...peers.filter((peer: K8sObject) => peer.podSelector && !peer.namespaceSelector).map((peer: K8sObject) => peer.podSelector)];
    }

    it('denies all ingress and egress by default, and lets every pod resolve names', () => {
      const deny = all('NetworkPolicy').find((p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress);
      expect(deny?.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
      const dns = all('NetworkPolicy').find((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.egress);
      expect(dns?.spec.egress[0].ports).toEqual(expect.arrayContaining([{ protocol: 'UDP', port: 53 }]));
    });

    it('selects, in every selector, at least one pod the namespace runs', () => {
      const pods = podLabels();
      for (const policy of all('NetworkPolicy')) {
        for (const selector of podSelectors(policy)) {
          expect(pods.some((labels) => selects(selector, labels)), `${policy.metadata.name}: ${JSON.stringify(selector)}`).toBe(true);
        }
      }
    });

    /** Whether the policies let pods labelled `from` reach pods labelled `to` on a TCP port. */
    function allowed(from: Record<string, string>, to: Record<string, string>, port: number): boolean {
      const policies = all('NetworkPolicy');
      const peerMatches = (peers: K8sObject[] | undefined, labels: Record<string, string>) =>
        (peers ?? []).some((peer) => peer.podSelector && !peer.namespaceSelector && selects(peer.podSelector, labels));
      const portMatches = (ports: K8sObject[] | undefined) => !ports || ports.some((p) => p.port === port);
      const egress = policies.some((p) => selects(p.spec.podSelector, from) && (p.spec.egress ?? []).some((r: K8sObject) => peerMatches(r.to, to) && portMatches(r.ports)));
      const ingress = policies.some((p) => selects(p.spec.podSelector, to) && (p.spec.ingress ?? []).some((r: K8sObject) => peerMatches(r.from, from) && portMatches(r.ports)));
      return egress && ingress;
    }
    const pod = (name: string) => ({ 'app.kubernetes.io/name': name });
    const postgres = () => ({ 'cnpg.io/cluster': one('Cluster').metadata.name });
    const rabbitmq = () => pod(one('RabbitmqCluster').metadata.name);
    /** The labels of the pods a suspended CronJob's Jobs run, as rendered. */
    const cronJobPod = (name: string) => podTemplateOf(one('CronJob', name))!.metadata.labels;

    it('lets only the gateway reach the agents (and the workers the write agent)', () => {
      expect(allowed(pod('gateway'), pod('write-agent'), 3000)).toBe(true);
      expect(allowed(pod('gateway'), pod('read-agent'), 3001)).toBe(true);
      expect(allowed(pod('echo-worker'), pod('write-agent'), 3000)).toBe(true);
      expect(allowed(pod('echo-worker'), pod('read-agent'), 3001)).toBe(false);
      expect(allowed(pod('redis'), pod('write-agent'), 3000)).toBe(false);
      expect(allowed(pod('read-agent'), pod('write-agent'), 3000)).toBe(false);
    });

    it('lets the agents, the migration and the rebuild reach the stores, and no one else', () => {
      const clients = { 'write-agent': pod('write-agent'), 'read-agent': pod('read-agent'), migrate: cronJobPod('migrate'), rebuild: cronJobPod('rebuild-projections') };
      for (const [name, labels] of Object.entries(clients)) expect(allowed(labels, postgres(), 5432), name).toBe(true);
      for (const [name, labels] of Object.entries(clients).filter(([name]) => name !== 'migrate')) {
        expect(allowed(labels, pod('redis'), 6379), name).toBe(true);
        expect(allowed(labels, pod('redis'), 26379), name).toBe(true);
      }
      expect(allowed(clients.migrate, pod('redis'), 6379)).toBe(false);
      expect(allowed(clients.rebuild, rabbitmq(), 5672)).toBe(false);
      expect(allowed(pod('write-agent'), rabbitmq(), 5672)).toBe(true);
      expect(allowed(pod('echo-worker'), rabbitmq(), 5672)).toBe(true);
      expect(allowed(pod('read-agent'), rabbitmq(), 5672)).toBe(false);
      for (const outsider of ['gateway', 'echo-worker']) {
        expect(allowed(pod(outsider), postgres(), 5432), outsider).toBe(false);
        expect(allowed(pod(outsider), pod('redis'), 6379), outsider).toBe(false);
      }
      expect(allowed(pod('gateway'), rabbitmq(), 5672)).toBe(false);
    });

    it('lets the monitoring zone reach the agents metrics ports, and the ingress zone only the gateway', () => {
      const fromZone = (zone: string, labels: Record<string, string>, port: number) =>
        all('NetworkPolicy').some(
          (p) =>
            selects(p.spec.podSelector, labels) &&
            (p.spec.ingress ?? []).some(
              (r: K8sObject) =>
                (r.from ?? []).some((peer: K8sObject) => peer.namespaceSelector?.matchLabels?.['agent-fleet.io/zone'] === zone) &&
                (r.ports ?? []).some((x: K8sObject) => x.port === port),
            ),
        );
      expect(fromZone('monitoring', pod('write-agent'), 3000)).toBe(true);
      expect(fromZone('monitoring', pod('read-agent'), 3001)).toBe(true);
      expect(fromZone('ingress', pod('gateway'), 8080)).toBe(true);
      expect(fromZone('ingress', pod('write-agent'), 3000)).toBe(false);
    });
  });
});

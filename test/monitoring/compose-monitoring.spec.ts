import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS, PROMETHEUS_CONFIG, PROVISIONING, ROOT, readYaml } from './monitoring-files.js';

type Dict = Record<string, any>;

const services: Dict = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }).services;
const MONITORING_SERVICES = ['prometheus', 'grafana', 'postgres-exporter'];

/** Container path -> repository path of a service's `./` bind mounts. */
function bindMounts(service: Dict): Map<string, string> {
  return new Map(
    (service.volumes ?? [])
      .filter((volume: string) => volume.startsWith('./'))
      .map((volume: string) => {
        const [source, target] = volume.split(':');
        return [target!, join(ROOT, source!)];
      }),
  );
}

/** The repository file a container path of the service maps to, through its bind mounts. */
function hostPathOf(service: Dict, containerPath: string): string | undefined {
  for (const [target, source] of bindMounts(service)) {
    if (containerPath === target) return source;
    if (containerPath.startsWith(`${target}/`)) return join(source, posix.relative(target, containerPath));
  }
  return undefined;
}

describe('the monitoring services of docker-compose.yml', () => {
  it('run only with the monitoring profile, from pinned images, and nothing of the default stack needs them', () => {
    for (const name of MONITORING_SERVICES) {
      expect(services[name]?.profiles, name).toEqual(['monitoring']);
      expect(services[name].image, name).toMatch(/:v?\d+\.\d+\.\d+$/);
    }
    for (const [name, service] of Object.entries(services)) {
      if (MONITORING_SERVICES.includes(name)) continue;
      const dependsOn = Object.keys(service.depends_on ?? {});
      for (const monitoring of MONITORING_SERVICES) expect(dependsOn, name).not.toContain(monitoring);
    }
  });

  it('give Prometheus the repository configuration, its rule file beside it', () => {
    const prometheus = services.prometheus;
    const configFlag = (prometheus.command as string[]).find((arg) => arg.startsWith('--config.file='))!;
    const config = hostPathOf(prometheus, configFlag.split('=')[1]!);
    expect(config).toBe(PROMETHEUS_CONFIG);
    for (const ruleFile of readYaml(config!).rule_files) expect(existsSync(join(dirname(config!), ruleFile)), ruleFile).toBe(true);
  });

  it('scrape services of the file, each agent on the port it listens on', () => {
    const jobs: Dict[] = readYaml(PROMETHEUS_CONFIG).scrape_configs;
    const targets = jobs.flatMap((job) => [
      ...(job.static_configs ?? []).flatMap((config: Dict) => config.targets as string[]),
      ...(job.dns_sd_configs ?? []).flatMap((config: Dict) => (config.names as string[]).map((name) => `${name}:${config.port}`)),
    ]);
    for (const target of targets) expect(Object.keys(services), target).toContain(target.split(':')[0]);
    expect(targets).toEqual(
      expect.arrayContaining([
        `write-agent:${services['write-agent'].environment.PORT}`,
        `read-agent:${services['read-agent'].environment.PORT}`,
        'rabbitmq:15692',
      ]),
    );
    // The dashboard and the alerts select the agents by these job names.
    expect(jobs.map((job) => job.job_name)).toEqual(expect.arrayContaining(['write-agent', 'read-agent']));
  });

  it('give Grafana the provisioning folder and the dashboards where the provider reads them', () => {
    const grafana = services.grafana;
    expect(hostPathOf(grafana, '/etc/grafana/provisioning')).toBe(PROVISIONING);
    const provider = readYaml(join(PROVISIONING, 'dashboards', readdirSync(join(PROVISIONING, 'dashboards'))[0]!)).providers[0];
    expect(hostPathOf(grafana, provider.options.path)).toBe(DASHBOARDS);
    const home = grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(existsSync(hostPathOf(grafana, home) ?? ''), home).toBe(true);
  });

  it('publish Prometheus and Grafana on the loopback address only', () => {
    for (const name of ['prometheus', 'grafana']) {
      for (const port of services[name].ports) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    expect(services['postgres-exporter'].ports).toBeUndefined();
  });
});

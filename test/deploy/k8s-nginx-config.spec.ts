import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `nginx -t` of both gateways, compose's (deploy/nginx) and Kubernetes' (deploy/k8s/base),
// each its own main nginx.conf with its gateway.conf as conf.d/default.conf, as the
// unprivileged image runs them, with Debian's nginx (.ci/run installs nginx-light). The
// copies move /tmp and /etc/nginx/conf.d under a private prefix. nginx -t resolves
// upstream hosts, so the Service names become 127.0.0.1; Debian's nginx (1.22) predates
// `resolve` on an upstream server (1.27.3), so that one parameter is dropped.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const prefixes: string[] = [];

afterAll(() => {
  for (const prefix of prefixes) rmSync(prefix, { recursive: true, force: true });
});

function gatewayForLocalCheck(conf: string): string {
  return conf
    .replace(/\bserver\s+(write-agent|read-agent):(\d+)/g, 'server 127.0.0.1:$2')
    .replace(/(server\s+127\.0\.0\.1:\d+)\s+resolve;/g, '$1;')
    .replace(/access_log\s+\/var\/log\/nginx\/access\.log/g, 'access_log logs/access.log');
}

function mainForLocalCheck(conf: string, prefix: string): string {
  return (
    conf
      .replace(/(?<=\s)\/tmp\//g, `${prefix}/tmp/`)
      .replaceAll('/etc/nginx/conf.d/', `${prefix}/conf.d/`)
      // Node gives a child a socket, not a terminal or pipe, as stderr: /dev/stderr cannot be opened.
      .replace(/error_log\s+\/dev\/stderr/, 'error_log logs/error.log')
  );
}

/** Runs `nginx -t` on a main configuration and a gateway configuration under a private prefix; its status and output. */
function nginxTest(mainConf: string, gatewayConf: string): { status: number | null; output: string } {
  const prefix = mkdtempSync(join(tmpdir(), 'gateway-nginx-'));
  prefixes.push(prefix);
  for (const dir of ['logs', 'conf.d', 'tmp']) mkdirSync(join(prefix, dir));
  writeFileSync(join(prefix, 'conf.d/default.conf'), gatewayForLocalCheck(gatewayConf));
  writeFileSync(join(prefix, 'nginx.conf'), mainForLocalCheck(mainConf, prefix));
  const run = spawnSync(NGINX, ['-t', '-q', '-p', `${prefix}/`, '-c', 'nginx.conf', '-g', 'daemon off;'], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe.each([
  ['deploy/nginx', 'compose'],
  ['deploy/k8s/base', 'Kubernetes'],
])('nginx -t of %s/nginx.conf with its gateway.conf (%s)', (dir) => {
  const main = readFileSync(join(ROOT, dir, 'nginx.conf'), 'utf8');
  const gateway = readFileSync(join(ROOT, dir, 'gateway.conf'), 'utf8');

  it('is accepted by nginx, which reads the gateway through the main configuration', () => {
    expect(main).toMatch(/^\s*include \/etc\/nginx\/conf\.d\/\*\.conf;/m);
    const { status, output } = nginxTest(main, gateway);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('is refused once a closing brace of the gateway is missing', () => {
    const { status, output } = nginxTest(main, gateway.replace(/\}\s*$/, ''));
    expect(status).not.toBe(0);
    expect(output).toMatch(/unexpected end of file|expecting "\}"/);
  });

  it('is refused with an unknown directive in the gateway', () => {
    const { status, output } = nginxTest(main, gateway.replace('client_max_body_size', 'client_max_body_sizes'));
    expect(status).not.toBe(0);
    expect(output).toMatch(/unknown directive "client_max_body_sizes"/);
  });

  it('is refused with an unknown directive in the main configuration', () => {
    const { status, output } = nginxTest(main.replace('worker_connections', 'worker_connection'), gateway);
    expect(status).not.toBe(0);
    expect(output).toMatch(/unknown directive "worker_connection"/);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `nginx -t` of both gateway configurations with Debian's nginx (.ci/run installs
// nginx-light). Each file is included in an http {} block as the official image does with
// conf.d/default.conf, under a private prefix. nginx -t resolves upstream hosts, so the
// Service names become 127.0.0.1; Debian's nginx (1.22) predates `resolve` on an upstream
// server (1.27.3), so that one parameter is dropped from the copy.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const prefixes: string[] = [];

afterAll(() => {
  for (const prefix of prefixes) rmSync(prefix, { recursive: true, force: true });
});

function forLocalCheck(conf: string): string {
  return conf
    .replace(/\bserver\s+(write-agent|read-agent):(\d+)/g, 'server 127.0.0.1:$2')
    .replace(/(server\s+127\.0\.0\.1:\d+)\s+resolve;/g, '$1;')
    .replace(/access_log\s+\/var\/log\/nginx\/access\.log/g, 'access_log logs/access.log');
}

/** Runs `nginx -t` on the gateway configuration under a private prefix; its status and output. */
function nginxTest(gatewayConf: string): { status: number | null; output: string } {
  const prefix = mkdtempSync(join(tmpdir(), 'gateway-nginx-'));
  prefixes.push(prefix);
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'conf.d'));
  writeFileSync(join(prefix, 'conf.d/default.conf'), gatewayConf);
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      'pid logs/nginx.pid;',
      'error_log logs/error.log;',
      'events {}',
      'http {',
      '    client_body_temp_path logs/client_temp;',
      '    proxy_temp_path logs/proxy_temp;',
      '    include conf.d/*.conf;',
      '}',
      '',
    ].join('\n'),
  );
  const run = spawnSync(NGINX, ['-t', '-q', '-p', `${prefix}/`, '-c', 'nginx.conf', '-g', 'daemon off;'], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe.each([['deploy/nginx/gateway.conf'], ['deploy/k8s/base/gateway.conf']])('nginx -t of %s', (path) => {
  const conf = forLocalCheck(readFileSync(join(ROOT, path), 'utf8'));

  it('is accepted by nginx', () => {
    const { status, output } = nginxTest(conf);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('is refused once a closing brace is missing', () => {
    const broken = conf.replace(/\}\s*$/, '');
    const { status, output } = nginxTest(broken);
    expect(status).not.toBe(0);
    expect(output).toMatch(/unexpected end of file|expecting "\}"/);
  });

  it('is refused with an unknown directive', () => {
    const { status, output } = nginxTest(conf.replace('client_max_body_size', 'client_max_body_sizes'));
    expect(status).not.toBe(0);
    expect(output).toMatch(/unknown directive "client_max_body_sizes"/);
  });
});

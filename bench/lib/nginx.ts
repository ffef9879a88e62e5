import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findExecutable, getFreePort } from '@app/local-stack';
import { defer, onExitKill } from './lifecycle.js';
import { cpuTimeMs } from './proc-cpu.js';

export interface RoundRobin {
  /** One address per group of upstreams, in the order given: http://127.0.0.1:<port>. */
  urls: string[];
  /** CPU time of the nginx master and workers so far, ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** nginx on PATH or in /usr/sbin (Debian's nginx-light); undefined when there is none. */
export function findNginx(): string | undefined {
  return findExecutable('nginx') ?? findExecutable('/usr/sbin/nginx');
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * One nginx (in the foreground, its files in `dir`) listening on a free loopback port per
 * group, each proxying round-robin to that group's upstreams over keep-alive connections.
 * Stopped with the run.
 */
export async function startRoundRobin(binary: string, dir: string, groups: string[][]): Promise<RoundRobin> {
  await mkdir(dir, { recursive: true });
  const ports = await Promise.all(groups.map(() => getFreePort()));
  const servers = groups.map((upstreams, index) => {
    const members = upstreams.map((url) => `    server ${new URL(url).host};`).join('\n');
    return `  upstream group${index} {\n${members}\n    keepalive 64;\n  }
  server {
    listen 127.0.0.1:${ports[index]};
    location / {
      proxy_pass http://group${index};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }`;
  });
  const config = `daemon off;
worker_processes 2;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${servers.join('\n')}
}
`;
  const file = join(dir, 'nginx.conf');
  await writeFile(file, config);
  const child = spawn(binary, ['-e', join(dir, 'error.log'), '-p', dir, '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const forget = onExitKill(() => child.kill('SIGKILL'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = defer('nginx', async () => {
    if (child.exitCode === null) child.kill('SIGQUIT');
    await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
    forget();
  });
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr.slice(-1_000)}`);
    const up = await Promise.all(urls.map((url) => fetch(`${url}/health/ready`).then((r) => r.status === 200, () => false)));
    if (up.every(Boolean)) break;
    if (attempt > 100) {
      await stop();
      throw new Error(`nginx did not proxy /health/ready within 10 s: ${stderr.slice(-1_000)}`);
    }
    await sleep(100);
  }
  const pid = child.pid!;
  return {
    urls,
    cpuMs: () => [pid, ...childrenOf(pid)].reduce((total, each) => total + (cpuTimeMs(each) ?? 0), 0),
    stop,
  };
}

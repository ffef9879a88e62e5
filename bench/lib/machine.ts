import { execFileSync } from 'node:child_process';
import { arch, cpus, freemem, hostname, loadavg, platform, release, totalmem } from 'node:os';
import { ROOT } from './paths.js';

export interface MachineInfo {
  node: string;
  platform: string;
  cpuCount: number;
  cpuModel: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  /** os.loadavg() (1, 5, 15 min) taken before anything was started. */
  loadAverageBefore: number[];
  /** Filled in when the run ends. */
  loadAverageAfter?: number[];
  hostname: string;
  gitCommit: string | undefined;
  gitDirty: boolean | undefined;
}

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    cpuCount: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverageBefore: loadavg().map((value) => Math.round(value * 100) / 100),
    hostname: hostname(),
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: (() => {
      const status = git(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no']);
      return status === undefined ? undefined : status.length > 0;
    })(),
  };
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
  } catch {
    return undefined;
  }
}

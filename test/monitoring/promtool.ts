import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PromtoolRun {
  code: number;
  output: string;
}

/**
 * Runs promtool (Debian package `prometheus`; .ci/run installs it). A missing promtool
 * is an error, not a skip.
 */
export async function promtool(...args: string[]): Promise<PromtoolRun> {
  try {
    const { stdout, stderr } = await run('promtool', args, { timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (failed.code === 'ENOENT') throw new Error('promtool is not on PATH: apt-get install -y --no-install-recommends prometheus');
    return { code: Number(failed.code), output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): where the process's main thread spent
 * its time, by function and by package. Also a CLI:
 *
 *   node dist/bench/tools/cpuprofile-summary.js <file.cpuprofile> [top=15] [fromMs-toMs ...]
 *
 * (windows in ms since the profile started: only samples inside them count).
 *
 * The V8 profiler samples the main thread by wall clock. On a busy machine a thread that
 * wakes another process with a socket write is often descheduled right there, and the
 * whole wait lands on the write (writev, writeUtf8String...). So the summary also shows
 * the picture without the time at socket writes: the JavaScript work itself.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  name: string;
  where: string;
  ms: number;
  /** Of `busyMs` for the "all" tables, of `busyMs - socketWriteMs` for the others. */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  /** Time with a native socket write on top of the stack. */
  socketWriteMs: number;
  selfByFunction: Entry[];
  /** Native code and node internals charged to the nearest package that called them. */
  byPackage: Entry[];
  /** The same, without the samples at socket writes. */
  byPackageWithoutWrites: Entry[];
  /** Inclusive time of functions, without the samples at socket writes. */
  inclusiveWithoutWrites: Entry[];
}

/** Only samples inside these windows count; ms relative to the profile's start. */
export type Windows = Array<{ fromMs: number; toMs: number }>;

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
const SOCKET_WRITES = new Set(['writev', 'writeUtf8String', 'writeBuffer', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);

/** node_modules/<pkg>, node internals, the repository's own code, or a special frame. */
function packageOf(url: string, name: string): string {
  if (!url) return SPECIAL.has(name) ? name : '(native / V8)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return 'node (internals)';
  const own = /\/dist\/((?:apps|libs|bench)\/[^/]+)/.exec(url);
  if (own) return `app: ${own[1]}`;
  return url.replace(/^file:\/\//, '');
}

const isLibraryOrApp = (pkg: string) => !pkg.startsWith('(') && pkg !== 'node (internals)';

function locationOf(node: ProfileNode): string {
  const { url, lineNumber } = node.callFrame;
  if (!url) return '';
  const short = url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/dist\//, 'dist/');
  return `${short}:${lineNumber + 1}`;
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

export function summarizeProfile(profile: CpuProfile, top = 15, windows?: Windows): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'}\u0000${locationOf(node)}`;
  const inWindow = (us: number) => !windows || windows.some((window) => us >= window.fromMs * 1000 && us < window.toMs * 1000);

  const self = new Map<string, number>();
  const packages = new Map<string, number>();
  const packagesWithoutWrites = new Map<string, number>();
  const inclusiveWithoutWrites = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let writeUs = 0;
  let atUs = 0;
  profile.samples.forEach((sampleId, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    atUs += delta;
    const node = byId.get(sampleId);
    if (!node || delta <= 0 || !inWindow(atUs)) return;
    totalUs += delta;
    const { functionName: name, url } = node.callFrame;
    if (name === '(idle)') {
      idleUs += delta;
      return;
    }
    add(self, keyOf(node), delta);
    let payer = packageOf(url, name);
    for (let id = parent.get(node.id); !isLibraryOrApp(payer) && id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      const framePackage = packageOf(frame.url, frame.functionName);
      if (isLibraryOrApp(framePackage)) payer = framePackage;
    }
    add(packages, payer, delta);
    if (!url && SOCKET_WRITES.has(name)) {
      writeUs += delta;
      return;
    }
    add(packagesWithoutWrites, payer, delta);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!;
      if (SPECIAL.has(frame.callFrame.functionName)) continue;
      const frameKey = keyOf(frame);
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      add(inclusiveWithoutWrites, frameKey, delta);
    }
  });
  const busyUs = totalUs - idleUs;
  const entries = (map: Map<string, number>, count: number, ofUs: number): Entry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, us]) => {
        const [name, where = ''] = key.split('\u0000');
        return { name, where, ms: Math.round(us / 100) / 10, percent: Math.round((us / Math.max(ofUs, 1)) * 1000) / 10 };
      });
  return {
    totalMs: Math.round(totalUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    socketWriteMs: Math.round(writeUs / 1000),
    selfByFunction: entries(self, top, busyUs),
    byPackage: entries(packages, top, busyUs),
    byPackageWithoutWrites: entries(packagesWithoutWrites, top, busyUs - writeUs),
    inclusiveWithoutWrites: entries(inclusiveWithoutWrites, top + 15, busyUs - writeUs),
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const table = (title: string, entries: Entry[]) => [
    title,
    ...entries.map(
      (entry, index) =>
        `${String(index + 1).padStart(3)}. ${entry.ms.toFixed(1).padStart(9)} ms ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}${entry.where ? `  (${entry.where})` : ''}`,
    ),
  ];
  const rest = summary.busyMs - summary.socketWriteMs;
  return [
    `sampled ${summary.totalMs} ms of the main thread: busy ${summary.busyMs} ms, idle ${summary.idleMs} ms;`,
    `${summary.socketWriteMs} ms of the busy time at native socket writes (on a busy machine mostly waiting to run again`,
    `after waking PostgreSQL / Redis / the client), ${rest} ms elsewhere.`,
    '',
    ...table('Top functions by self time (% of busy):', summary.selfByFunction),
    '',
    ...table('Time by package, native code and node internals charged to the package that called them (% of busy):', summary.byPackage),
    '',
    ...table(`The same without the socket writes (% of the other ${rest} ms):`, summary.byPackageWithoutWrites),
    '',
    ...table(`Top functions by inclusive time, without the socket writes (% of ${rest} ms):`, summary.inclusiveWithoutWrites),
  ].join('\n');
}

export async function summarizeProfileFile(file: string, top = 15, windows?: Windows): Promise<string> {
  return formatSummary(summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, top, windows));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top, ...windowArgs] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/tools/cpuprofile-summary.js <file.cpuprofile> [top] [fromMs-toMs ...]');
    process.exit(2);
  }
  const windows = windowArgs.map((arg) => {
    const [fromMs, toMs] = arg.split('-').map(Number);
    return { fromMs, toMs };
  });
  console.log(await summarizeProfileFile(file, top ? Number(top) : 15, windows.length > 0 ? windows : undefined));
}

import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** dist/bench/lib -> the repository root (the bench always runs from its build output). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DIST = resolve(ROOT, 'dist');
export const RESULTS_DIR = resolve(ROOT, 'bench/results');

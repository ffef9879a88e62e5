import { readFileSync } from 'node:fs';

/** The `KEY=value` lines of an env file (kustomize generators, compose's .env), comments and blanks left out. */
export function envEntries(text: string): Array<[string, string]> {
  return text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((line) => line.replace(/\r$/, '').trimStart())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

export function readEnvFile(path: string): Record<string, string> {
  return Object.fromEntries(envEntries(readFileSync(path, 'utf8')));
}

/**
 * The value compose uses when the variable is unset: `${NAME:-default}` gives `default`;
 * a required `${NAME:?message}` (compose stops when it is unset) stands in as `set-NAME`.
 */
export function composeDefault(value: string): string {
  return String(value)
    .replace(/\$\{\w+:-([^}]*)\}/g, '$1')
    .replace(/\$\{(\w+):\?[^}]*\}/g, 'set-$1');
}

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOMAIN = join(ROOT, 'libs/domain');
const DOMAIN_SRC = join(DOMAIN, 'src');

/** Frameworks and infrastructure the domain must not know; `@app/domain` is its own alias. */
const FORBIDDEN = ['@nestjs', 'typeorm', 'ioredis', 'class-validator', 'class-transformer', 'pg', '@app/platform'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file names: static, type-only, re-exports, `import()` and `require()`. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((ref) => ref.fileName);
}

function whyForbidden(file: string, specifier: string): string | null {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    return target === DOMAIN || target.startsWith(DOMAIN + sep) ? null : 'leaves libs/domain';
  }
  const hit = FORBIDDEN.find((name) => specifier === name || specifier.startsWith(`${name}/`));
  if (hit) return `${hit} is infrastructure`;
  if (specifier.startsWith('@app/') && specifier !== '@app/domain') return 'is another library';
  return null;
}

describe('the domain library', () => {
  const files = tsFiles(DOMAIN_SRC);

  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('imports no framework, no infrastructure and no other library', () => {
    const offences = files.flatMap((file) =>
      importsOf(file).flatMap((specifier) => {
        const why = whyForbidden(file, specifier);
        return why ? [`${relative(ROOT, file)} imports '${specifier}' (${why})`] : [];
      }),
    );
    expect(offences, offences.join('\n')).toEqual([]);
  });
});

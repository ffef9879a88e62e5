import { readFile } from 'node:fs/promises';

/** The last `lines` lines of a text file, or '' when it cannot be read. */
export async function fileTail(file: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return lastLines(text, lines);
  } catch {
    return '';
  }
}

export function lastLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function formatTail(title: string, tail: string): string {
  return tail ? `--- ${title} ---\n${tail}\n--- end ---` : `(${title}: empty)`;
}

/** Keeps the last `size` lines written to it (for servers that log to a pipe). */
export class LineRing {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly size = 60) {}

  push(chunk: string, onLine?: (line: string) => void): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.size) this.lines.shift();
      onLine?.(line);
    }
  }

  text(): string {
    return [...this.lines, this.partial].filter((line) => line !== '').join('\n');
  }
}

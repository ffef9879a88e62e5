import { open } from 'node:fs/promises';

/** Enough for any tail shown in a message, without reading a large log whole. */
const TAIL_BYTES = 64 * 1024;

/** The last `lines` lines of a text file, or '' when it cannot be read. */
export async function fileTail(file: string, lines = 40): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return lastLines(buffer.toString('utf8'), lines);
    } finally {
      await handle.close();
    }
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

  /** Hands on the last line when it had no newline (the writer has exited). */
  end(onLine?: (line: string) => void): void {
    if (this.partial === '') return;
    this.push('\n', onLine);
  }

  text(): string {
    return [...this.lines, this.partial].filter((line) => line !== '').join('\n');
  }
}

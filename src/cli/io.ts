import type { Readable, Writable } from 'node:stream';

/** Where a command reads and writes, injectable so tests run commands in process. */
export interface CommandIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly cwd: string;
}

export function processIo(): CommandIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
}

export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}

/** A fixed-width text table for terminal output. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? 'NULL' : String(cell)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

/** `1 row`, `2 rows`: a count with its noun in the singular or the plural. */
export function counted(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

import { PassThrough, Readable } from 'node:stream';
import type { CommandIo } from '../../src/cli/io';
import { PROJECT_ROOT } from '../../src/lib/util/project-paths';

/** In-memory stdin/stdout/stderr for running CLI commands inside a test. */
export function captureIo(stdin = ''): CommandIo & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  return {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout,
    stderr,
    cwd: PROJECT_ROOT,
    out: () => Buffer.concat(chunks.out).toString(),
    err: () => Buffer.concat(chunks.err).toString(),
  };
}

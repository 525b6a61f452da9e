import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type ObjectBody,
  ObjectNotFoundError,
  type ObjectStore,
  type ObjectSummary,
} from '../../storage/object-store';

/** No encoded key segment starts with `%T` (a literal `%` is always written `%25`). */
const TEMPORARY_PREFIX = '%T';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export class UnsafeObjectPathError extends Error {
  override readonly name = 'UnsafeObjectPathError';
}

/**
 * Maps one key segment to a file name and back, injectively: `%` is escaped, and the segments a
 * file system would treat specially (empty, `.`, `..`) get reserved spellings, so no S3 key can
 * reach outside its bucket directory.
 */
export function encodeKeySegment(segment: string): string {
  if (segment === '') return '%E';
  if (segment === '.') return '%2E';
  if (segment === '..') return '%2E%2E';
  return segment.replace(/%/g, '%25').replace(/\0/g, '%00');
}

export function decodeKeySegment(name: string): string {
  if (name === '%E') return '';
  if (name === '%2E') return '.';
  if (name === '%2E%2E') return '..';
  return name.replace(/%00/g, '\0').replace(/%25/g, '%');
}

/**
 * Local files standing in for S3: bucket `b`, key `k` live at `<root>/b/k`. Writes go to a
 * temporary file and are renamed into place, so a reader never sees half an object, as with S3.
 */
export class LocalObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  pathFor(bucket: string, key: string): string {
    if (!BUCKET_NAME.test(bucket))
      throw new UnsafeObjectPathError(`Not a valid bucket name: ${JSON.stringify(bucket)}`);
    if (key === '') throw new UnsafeObjectPathError('Object key is empty');
    return join(this.root, bucket, ...key.split('/').map(encodeKeySegment));
  }

  /** The directory holding the objects under `prefix` (which ends with a slash, or is empty). */
  pathForPrefix(bucket: string, prefix: string): string {
    return join(
      this.pathFor(bucket, 'x').slice(0, -1),
      ...prefix.split('/').filter(Boolean).map(encodeKeySegment),
    );
  }

  async put(bucket: string, key: string, body: ObjectBody): Promise<void> {
    const path = this.pathFor(bucket, key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = join(dirname(path), `${TEMPORARY_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      if (typeof body === 'string' || body instanceof Uint8Array) await writeFile(temporary, body);
      else await pipeline(body as Readable, createWriteStream(temporary));
      // LastModified is the time of the write as the store's clock says, which a simulation sets
      const now = new Date();
      await utimes(temporary, now, now);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(bucket: string, key: string): Promise<Readable> {
    const path = this.pathFor(bucket, key);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new ObjectNotFoundError(bucket, key);
    return createReadStream(path);
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ObjectSummary> {
    // only the directory of the prefix's whole segments can hold matching keys
    const directories = prefix.split('/').slice(0, -1).map(encodeKeySegment);
    const base = join(this.pathForPrefix(bucket, ''), ...directories);
    const found: ObjectSummary[] = [];
    await walk(base, directories, async (segments, size, lastModified) => {
      const key = segments.map(decodeKeySegment).join('/');
      if (key.startsWith(prefix)) found.push({ key, size, lastModified });
    });
    found.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    yield* found;
  }

  async delete(bucket: string, key: string): Promise<void> {
    await rm(this.pathFor(bucket, key), { force: true });
  }
}

async function walk(
  directory: string,
  segments: string[],
  visit: (segments: string[], size: number, lastModified: number) => Promise<void>,
): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) await walk(path, [...segments, entry.name], visit);
    else if (entry.isFile() && !entry.name.startsWith(TEMPORARY_PREFIX)) {
      const info = await stat(path);
      await visit([...segments, entry.name], info.size, info.mtimeMs);
    }
  }
}

import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FirehosePort } from '../../firehose/firehose-port';

/**
 * A local delivery stream's inbox: records put to stream `s` are appended, base64 per line, to
 * files under `<root>/_firehose/<s>/inbox/`, where the local Firehose picks them up. (S3 bucket
 * names cannot start with `_`, so this never collides with a bucket directory.)
 */
export function localInboxDirectory(root: string, deliveryStreamName: string): string {
  if (!/^[a-zA-Z0-9_.-]{1,64}$/.test(deliveryStreamName)) {
    throw new Error(`Not a delivery stream name: ${JSON.stringify(deliveryStreamName)}`);
  }
  return join(root, '_firehose', deliveryStreamName, 'inbox');
}

export function localFirehose(root: string): FirehosePort {
  return {
    async putRecordBatch(deliveryStreamName, records) {
      const directory = localInboxDirectory(root, deliveryStreamName);
      await mkdir(directory, { recursive: true });
      const lines = records.map((record) => `${Buffer.from(record).toString('base64')}\n`).join('');
      await appendFile(join(directory, `${Date.now()}-${randomBytes(4).toString('hex')}.b64`), lines);
      return { failed: [] };
    },
  };
}

/** Takes every record waiting in a local stream's inbox, oldest file first, and empties it. */
export async function drainLocalInbox(root: string, deliveryStreamName: string): Promise<Buffer[]> {
  const directory = localInboxDirectory(root, deliveryStreamName);
  const files = (await readdir(directory).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.b64'))
    .sort();
  const records: Buffer[] = [];
  for (const file of files) {
    const path = join(directory, file);
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      if (line) records.push(Buffer.from(line, 'base64'));
    }
    await rm(path);
  }
  return records;
}

import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { createGzip } from 'node:zlib';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { flatten } from 'flat';
import { ChangeLineFlattener } from '../../src/lib/dynamodb/change-line-flattener';
import { changeRecordFromStream } from '../../src/lib/dynamodb/change-record';
import { FlattenPlan } from '../../src/lib/flattening/plan';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { userStreamRecord } from '../../src/lib/samples/users';
import { compare, megabytesPerSecond, printResults } from '../harness';

const RECORDS = 20_000;
const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2026-11-01T00:00:00.000';

/** Change-file lines, as the stream Lambda writes them, for the users table of pipeline.yml. */
export function changeLines(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, n) => {
    const i = n + offset;
    const record = userStreamRecord(i % 50_000, Math.floor(i / 50_000) + (i % 3), {
      sequence: 4_000_000_000_000_000_000_000n + BigInt(i),
      time: Date.UTC(2026, 10, 20) + i * 10,
      streamArn: STREAM_ARN,
      remove: i % 17 === 16,
    });
    return JSON.stringify(changeRecordFromStream(record));
  });
}

function image(line: string) {
  const change = JSON.parse(line);
  return change.newImage ?? change.oldImage ?? change.keys;
}

export async function run(): Promise<void> {
  const fused = runFused();
  await runEndToEnd(fused);
}

/** Measures the fused flattener and returns its MB/s: the end-to-end run's baseline. */
function runFused(): number {
  const table = bundledPipeline().dynamodb.find((t) => t.name === 'users')!;
  // the table's own rules, minus hashing: a keyed hash costs the same in every variant
  const plan = new FlattenPlan({ keyColumns: table.keys, maxDepth: table.flatten.maxDepth });
  const lines = changeLines(RECORDS);
  const buffers = lines.map((line) => Buffer.from(line));
  const bytes = buffers.reduce((sum, b) => sum + b.length, 0);
  const fused = new ChangeLineFlattener(plan);
  let sink = 0;
  const [ours, util, floor] = compare([
    {
      name: 'fused',
      run: () => {
        for (const line of buffers) sink += fused.readChange(line).cells.length;
      },
    },
    {
      name: 'util-dynamodb unmarshall + flat',
      run: () => {
        for (const line of lines) {
          const flat = flatten(unmarshall(image(line), { wrapNumbers: true }), { delimiter: '__' }) as object;
          sink += Object.keys(flat).length;
        }
      },
    },
    {
      name: 'floor: JSON.parse + JSON.stringify',
      run: () => {
        for (const line of lines) sink += JSON.stringify(JSON.parse(line)).length;
      },
    },
  ]).map((m) => megabytesPerSecond(bytes, m.seconds)) as [number, number, number];
  if (sink === 0) throw new Error('nothing was measured');
  printResults(
    `DynamoDB change lines (${RECORDS} users changes, ${Math.round(bytes / RECORDS)} bytes each, every attribute type)`,
    [
      {
        metric: 'fused unmarshall + flatten',
        value: `${ours.toFixed(1)} MB/s`,
        baseline: `${util.toFixed(1)} MB/s util-dynamodb + flat`,
        ratio: `${(ours / util).toFixed(2)}x`,
        target: '>= 2x',
        met: ours / util >= 2,
      },
      {
        metric: 'fused vs the JSON round trip',
        value: `${ours.toFixed(1)} MB/s`,
        baseline: `${floor.toFixed(1)} MB/s JSON.parse + stringify`,
        ratio: `${(ours / floor).toFixed(2)}x`,
        target: '>= 0.9x',
        met: ours / floor >= 0.9,
      },
    ],
  );
  return ours;
}

const CACHE = join(__dirname, '..', '.cache', 'dynamodb');
const BUCKET = 'tributary-bench-raw';

/**
 * A gzip change file of about `megabytes` (compressed), made once and kept in bench/.cache: lines
 * come from a pool of generated changes, each with its own sequence number.
 */
async function changeFile(
  megabytes: number,
): Promise<{ key: string; uncompressedBytes: number; lines: number }> {
  const key = `raw/dynamodb/users/dt=2026-11-20/bench-${megabytes}mb.ndjson.gz`;
  const path = join(CACHE, BUCKET, key);
  const metaPath = `${path}.json`;
  if (existsSync(metaPath)) return { key, ...JSON.parse(readFileSync(metaPath, 'utf8')) };
  mkdirSync(dirname(path), { recursive: true });
  const pool = changeLines(20_000);
  const gzip = createGzip({ level: 6 });
  const file = createWriteStream(`${path}.partial`);
  gzip.pipe(file);
  let uncompressedBytes = 0;
  let lines = 0;
  while (file.bytesWritten < megabytes * 1024 * 1024) {
    let chunk = '';
    for (let i = 0; i < 2_000; i++, lines++) {
      const line = pool[lines % pool.length]!.replace(
        /"sequenceNumber":"\d+"/,
        `"sequenceNumber":"${5_000_000_000_000_000_000_000n + BigInt(lines)}"`,
      );
      chunk += `${line}\n`;
    }
    uncompressedBytes += Buffer.byteLength(chunk);
    if (!gzip.write(chunk)) await once(gzip, 'drain');
  }
  gzip.end();
  await once(file, 'finish');
  renameSync(`${path}.partial`, path);
  writeFileSync(metaPath, JSON.stringify({ uncompressedBytes, lines }));
  return { key, uncompressedBytes, lines };
}

/** s3Flatten must keep up with this many MB/s of NDJSON (issue 12). */
const END_TO_END_TARGET_MBPS = 100;

export async function runEndToEnd(
  fusedMegabytesPerSecond: number,
  megabytes = Number(process.env.BENCH_DYNAMODB_GZIP_MB ?? 1024),
): Promise<void> {
  const input = await changeFile(megabytes);
  const compressedBytes = statSync(join(CACHE, BUCKET, input.key)).size;
  const child = execFileSync(
    process.execPath,
    [
      '--max-old-space-size=384',
      '--require',
      join(__dirname, '..', '..', 'scripts', 'register.cjs'),
      join(__dirname, '..', 'dynamodb-object-child.ts'),
      CACHE,
      BUCKET,
      input.key,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(child.toString()) as {
    seconds: number;
    maxRssBytes: number;
    outcome: { rows: number; quarantined: number };
  };
  if (result.outcome.rows + result.outcome.quarantined !== input.lines)
    throw new Error(`expected ${input.lines} rows, got ${result.outcome.rows}`);
  const endToEnd = megabytesPerSecond(input.uncompressedBytes, result.seconds);
  printResults(
    `s3Flatten end to end (${(compressedBytes / 2 ** 30).toFixed(2)} GiB gzip change file, ${(input.uncompressedBytes / 2 ** 30).toFixed(1)} GiB of NDJSON, ${input.lines} changes, local files, Lambda's --max-old-space-size=384)`,
    [
      {
        metric: `throughput (${(compressedBytes / result.seconds / 1e6).toFixed(1)} MB/s of gzip, ${Math.round(input.lines / result.seconds)} rows/s)`,
        value: `${endToEnd.toFixed(1)} MB/s`,
        baseline: `${fusedMegabytesPerSecond.toFixed(1)} MB/s fused unmarshall + flatten alone`,
        ratio: `${(endToEnd / fusedMegabytesPerSecond).toFixed(2)}x`,
        target: `>= ${END_TO_END_TARGET_MBPS} MB/s`,
        met: endToEnd >= END_TO_END_TARGET_MBPS,
      },
      {
        metric: 'peak RSS',
        value: `${Math.round(result.maxRssBytes / 2 ** 20)} MB`,
        target: '< 512 MB',
        met: result.maxRssBytes < 512 * 2 ** 20,
      },
    ],
  );
}

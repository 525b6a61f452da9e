import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { printRunSummary } from '../../../src/cli/commands/run';
import { main } from '../../../src/cli/main';
import { localEnvironment } from '../../../src/lib/local/local-environment';
import { loadLocalHandlers, localDynamoTableArn } from '../../../src/lib/local/local-handlers';
import { type LocalRunSummary, runLocalPipeline } from '../../../src/lib/local/local-pipeline';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { listReplayFiles, readReplayBatches } from '../../../src/lib/replay/replay-source';
import { userStreamRecord } from '../../../src/lib/samples/users';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';
import { captureIo } from '../../support/cli';

const today = new Date().toISOString().slice(0, 10);
const LAKE = 'tributary-local-lake';
const RAW = 'tributary-local-raw';
let root: string;
let summary: LocalRunSummary;

/** Ten inserts made today, in shard order; the fifth is no change DynamoDB could have written. */
function changesWithPoison(streamArn: string): DynamoDBRecord[] {
  const start = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: 10 }, (_, i) => {
    const record = userStreamRecord(i + 1, 0, {
      sequence: 5_000_000_000_000_000_000_000n + BigInt(i + 1),
      time: start + i * 1000,
      streamArn,
    }) as unknown as DynamoDBRecord;
    if (i === 4) (record as { eventName: string }).eventName = 'UPSERT';
    return record;
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-stream-capture-'));
  const pipeline = bundledPipeline();
  const environment = localEnvironment(root, pipeline.database);
  const handlers = await loadLocalHandlers(environment, pipeline);
  const streamArn = `${localDynamoTableArn(environment, 'users')}/stream/2026-11-01T00:00:00.000`;
  summary = await runLocalPipeline(environment, pipeline, handlers, {
    date: today,
    streams: [],
    dynamodb: [{ table: 'users', records: changesWithPoison(streamArn) }],
  });
}, 180_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('capturing a DynamoDB stream with a change the stream Lambda cannot take', () => {
  it('lands every valid change before and after it in the lake', async () => {
    const duck = await DuckDb.open();
    try {
      const { rows } = await duck.query(
        `SELECT list(user_id ORDER BY user_id) AS users FROM read_parquet(${sqlString(join(root, LAKE, 'lake/users_changes/**/*.parquet'))})`,
      );
      expect(rows[0]!.users).toEqual(
        [1, 2, 3, 4, 6, 7, 8, 9, 10].map((i) => `u_${String(i).padStart(6, '0')}`),
      );
    } finally {
      duck.close();
    }
  });

  it('parks the change alone at the on-failure destination, with why, where replay finds it', async () => {
    const stats = summary.captures.get('users')!;
    expect(stats.failedChanges).toBe(1);
    expect(stats.parked).toEqual([
      {
        key: expect.stringMatching(/^aws\/lambda\/[^/]+\/[^/]+\/\d{4}\/\d{2}\/\d{2}\//),
        changes: 1,
        reason: expect.stringContaining('eventName must be INSERT, MODIFY or REMOVE'),
      },
    ]);
    const files = await listReplayFiles(join(root, RAW, 'aws/lambda'), () => {
      throw new Error('not an S3 location');
    });
    const batches = await readReplayBatches(files, bundledPipeline(), {
      onProblem: (file, line, problem) => {
        throw new Error(`${file}:${line}: ${problem}`);
      },
    });
    expect(batches).toEqual([
      {
        kind: 'stream',
        file: join(root, RAW, stats.parked[0]!.key),
        records: [expect.objectContaining({ eventName: 'UPSERT' })],
      },
    ]);
  });

  it('says in the run summary where the parked change waits and why', () => {
    const io = captureIo();
    printRunSummary(
      io,
      { root, lakeBucket: LAKE, rawBucket: 'tributary-local-raw', resultsBucket: 'tributary-local-results' },
      summary,
    );
    expect(io.out()).toMatch(
      /1 change parked in the raw bucket at aws\/lambda\/\S+ \(PoisonChangeError: change \d+: .*eventName must be INSERT, MODIFY or REMOVE.*\); tributary replay sends them again/,
    );
  });

  it('lands the parked change in the lake once replayed after a fix, and only it', async () => {
    const file = join(root, RAW, summary.captures.get('users')!.parked[0]!.key);
    const document = JSON.parse(await readFile(file, 'utf8'));
    document.payload = document.payload.replace('"eventName":"UPSERT"', '"eventName":"INSERT"');
    await writeFile(file, JSON.stringify(document));
    const io = captureIo();
    expect(await main(['replay', '--root', root, file], io)).toBe(0);
    expect(io.out()).toContain('1 parked stream change ');
    const duck = await DuckDb.open();
    try {
      const { rows } = await duck.query(
        `SELECT count(*) AS n, count(DISTINCT user_id) AS users FROM read_parquet(${sqlString(join(root, LAKE, 'lake/users_changes/**/*.parquet'))})`,
      );
      expect(rows[0]).toEqual({ n: '10', users: '10' });
    } finally {
      duck.close();
    }
  });
});

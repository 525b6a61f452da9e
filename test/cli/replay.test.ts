import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { main } from '../../src/cli/main';
import { clickstreamEventJson } from '../../src/lib/samples/clickstream';
import { userItem } from '../../src/lib/samples/users';
import { DuckDb, sqlString } from '../../src/lib/standins/athena/duckdb';
import { captureIo } from '../support/cli';
import { type S3Server, startS3Server } from '../support/s3-server';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-replay-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const LAKE = 'tributary-local-lake';
const RAW = 'tributary-local-raw';

/** A Firehose processing-failed record, as the error output prefix holds them. */
function errorRecord(data: string): string {
  return JSON.stringify({
    attemptsMade: 4,
    arrivalTimestamp: 1795167000000,
    errorCode: 'Lambda.FunctionError',
    errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
    attemptEndingTimestamp: 1795167060000,
    rawData: Buffer.from(data).toString('base64'),
    lambdaArn: 'arn:aws:lambda:us-east-1:111122223333:function:tributary-prod-firehoseTransform:$LATEST',
  });
}

const events = [0, 1].map((i) => clickstreamEventJson(50_000 + i));
const eventIds = events.map((e) => JSON.parse(e).event_id as string);

function changeLine(index: number): string {
  return JSON.stringify({
    eventName: 'INSERT',
    eventID: `e${index}`,
    sequenceNumber: String(7_000 + index),
    approximateCreationTime: 1795165200,
    keys: { user_id: { S: `u_${index}` } },
    newImage: { ...userItem(index), user_id: { S: `u_${index}` } },
    oldImage: null,
  });
}

async function put(path: string, content: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

async function query(sql: string) {
  const duck = await DuckDb.open();
  try {
    return (await duck.query(sql)).rows;
  } finally {
    duck.close();
  }
}

describe('tributary replay, to the local stage', () => {
  it('sends Firehose error records back through the transform; what fails again is reported again', async () => {
    const errors = join(root, LAKE, 'errors/clickstream/processing-failed/dt=2026-11-20');
    await put(
      join(errors, 'tributary-prod-clickstream-1-2026-11-20-10-00-00-abc'),
      [errorRecord(events[0]!), errorRecord('{"still": broken'), errorRecord(events[1]!)].join('\n'),
    );
    const io = captureIo();
    expect(await main(['replay', '--root', root, join(root, LAKE, 'errors')], io)).toBe(1);
    expect(io.out()).toContain('Replayed 3 Firehose records and 0 quarantined lines from 1 file');
    expect(io.out()).toMatch(
      /clickstream: 2 rows written, 1 failed again \(now in errors\/clickstream\/processing-failed\//,
    );
    const parquet = sqlString(join(root, LAKE, 'lake/clickstream/*/*/*.parquet'));
    const rows = await query(`SELECT event_id FROM read_parquet(${parquet}) ORDER BY event_id`);
    expect(rows.map((r) => r.event_id)).toEqual([...eventIds].sort());
  }, 60_000);

  it('finds quarantine files among the raw objects they sit beside, sends fixed lines back, and --delete removes them', async () => {
    const rawDirectory = join(root, RAW, 'raw/dynamodb/users/dt=2026-11-20');
    await put(join(rawDirectory, 's-1-2.ndjson.gz'), 'a change file, read only by the flattener');
    await put(
      join(rawDirectory, '_s-1-2.quarantine.ndjson'),
      [1, 2]
        .map((i) =>
          JSON.stringify({
            source: 'raw/dynamodb/users/dt=2026-11-20/s-1-2.ndjson.gz',
            line: i,
            reason: 'Column age: cannot store "unknown" as int',
            raw: changeLine(i),
          }),
        )
        .join('\n'),
    );
    const io = captureIo();
    expect(await main(['replay', '--root', root, '--delete', join(root, RAW, 'raw/dynamodb/')], io)).toBe(0);
    expect(io.err()).toBe('');
    expect(io.out()).toContain('Replayed 0 Firehose records and 2 quarantined lines from 1 file');
    expect(io.out()).toMatch(
      /raw object raw\/dynamodb\/users\/dt=2026-11-20\/replay-\d{8}T\d{9}Z-s-1-2\.ndjson\.gz/,
    );
    expect(io.out()).toContain('Deleted 1 replayed file');
    const directory = join(root, LAKE, 'lake/users_changes/dt=2026-11-20');
    expect((await readdir(rawDirectory)).filter((f) => f.endsWith('.quarantine.ndjson'))).toEqual([]);
    expect(await readdir(rawDirectory)).toContain('s-1-2.ndjson.gz');
    const rows = await query(
      `SELECT user_id, _op FROM read_parquet(${sqlString(join(directory, 'replay-*.parquet'))}) ORDER BY user_id`,
    );
    expect(rows).toEqual([
      { user_id: 'u_1', _op: 'INSERT' },
      { user_id: 'u_2', _op: 'INSERT' },
    ]);
  }, 60_000);

  it('puts every value of a format-conversion-failed record back in its own column', async () => {
    // Firehose's format-conversion-failed output holds the record the transform already flattened
    const flat = {
      event_id: 'fc-1',
      event_type: 'purchase',
      event_time: '2026-11-20T10:00:00Z',
      user__id: 42,
      user__traits__plan: 'pro',
      properties__value: 12.5,
    };
    await put(
      join(root, LAKE, 'errors/clickstream/format-conversion-failed/dt=2026-11-20/fcf-1'),
      errorRecord(JSON.stringify(flat)),
    );
    const io = captureIo();
    expect(
      await main(
        ['replay', '--root', root, join(root, LAKE, 'errors/clickstream/format-conversion-failed')],
        io,
      ),
    ).toBe(0);
    expect(io.out()).toContain('clickstream: 1 row written, 0 failed again');
    const parquet = sqlString(join(root, LAKE, 'lake/clickstream/*/*/*.parquet'));
    const rows = await query(
      `SELECT user__id, user__traits__plan, CAST(properties__value AS VARCHAR) AS value FROM read_parquet(${parquet}) WHERE event_id = 'fc-1'`,
    );
    expect(rows).toEqual([{ user__id: '42', user__traits__plan: 'pro', value: '12.50' }]);
  }, 60_000);

  it('says so and exits 1 when a replayed quarantine line is quarantined again, reading it byte for byte', async () => {
    const broken = Buffer.from(changeLine(3).replace('"u_3"', '"u_3\u0000X"'));
    broken[broken.indexOf('X')] = 0xff;
    const quarantine = await put(
      join(root, RAW, 'raw/dynamodb/users/dt=2026-11-20/_s-3-3.quarantine.ndjson'),
      JSON.stringify({
        source: 'raw/dynamodb/users/dt=2026-11-20/s-3-3.ndjson.gz',
        line: 1,
        reason: 'users: line is not valid UTF-8',
        raw: '',
        rawBase64: broken.toString('base64'),
      }),
    );
    const io = captureIo();
    expect(await main(['replay', '--root', root, quarantine], io)).toBe(1);
    expect(io.out()).toContain('Replayed 0 Firehose records and 1 quarantined line');
    expect(io.out()).toMatch(
      /1 line quarantined again \(now in raw\/dynamodb\/users\/dt=2026-11-20\/_replay-\d{8}T\d{9}Z-s-3-3\.quarantine\.ndjson\)/,
    );
    const again = (await readdir(join(root, RAW, 'raw/dynamodb/users/dt=2026-11-20'))).find((f) =>
      /^_replay-.*-s-3-3\.quarantine\.ndjson$/.test(f),
    );
    const entry = JSON.parse(
      (await readFile(join(root, RAW, 'raw/dynamodb/users/dt=2026-11-20', again!), 'utf8')).trim(),
    );
    expect(Buffer.from(entry.rawBase64, 'base64').equals(broken)).toBe(true);
  }, 60_000);

  it('names lines it cannot replay and exits 1 when nothing is left to send', async () => {
    const junk = await put(join(root, 'junk/errors/clickstream/x.json'), '{"no":"rawData"}\nnot json\n');
    const io = captureIo();
    expect(await main(['replay', '--root', root, junk], io)).toBe(1);
    expect(io.err()).toContain('x.json:1: not a Firehose error record (no base64 rawData)');
    expect(io.err()).toContain('x.json:2: not a Firehose error record');
    expect(io.err()).toContain('nothing to replay in');
  });

  it('refuses to replay into a local root that holds no local lake, and creates nothing there', async () => {
    const errors = join(root, 'mistyped-case/errors/clickstream/processing-failed/dt=2026-11-20');
    await put(join(errors, 'tributary-prod-clickstream-1-2026-11-20-12-00-00-ghi'), errorRecord(events[0]!));
    const mistyped = `${root}-mistyped`;
    const io = captureIo();
    expect(await main(['replay', '--root', mistyped, join(root, 'mistyped-case')], io)).toBe(1);
    expect(io.err()).toContain(`no local lake at ${mistyped}: run npm start (tributary run) first`);
    expect(existsSync(mistyped)).toBe(false);
  });

  it('refuses a missing path, an unknown stream and a deployed target without a stage', async () => {
    const missing = captureIo();
    expect(await main(['replay', '--root', root, join(root, 'nope')], missing)).toBe(1);
    expect(missing.err()).toContain('ReplaySourceError: No such file or directory');
    const stream = captureIo();
    expect(await main(['replay', '--stream', 'orders', root], stream)).toBe(2);
    expect(stream.err()).toContain('--stream orders is not a stream of pipeline.yml');
    const stage = captureIo();
    expect(await main(['replay', '--to', 'deployed', root], stage)).toBe(2);
    expect(stage.err()).toContain('--to deployed needs --stage');
  });

  it('says why a record failed again', async () => {
    const event = JSON.parse(clickstreamEventJson(60_000));
    event.user = { ...event.user, id: 'seven' };
    // the handlers are loaded once per process, for this file's root: the record waits outside its lake
    const errors = join(root, 'elsewhere/errors/clickstream/processing-failed/dt=2026-11-20');
    await put(
      join(errors, 'tributary-prod-clickstream-1-2026-11-20-11-00-00-def'),
      errorRecord(JSON.stringify(event)),
    );
    const io = captureIo();
    expect(await main(['replay', '--root', root, join(root, 'elsewhere')], io)).toBe(1);
    expect(io.out()).toContain('clickstream: 0 rows written, 1 failed again');
    expect(io.out()).toContain('    why: Column user__id: cannot store "seven" as bigint (1 record)');
  }, 60_000);
});

describe('tributary replay, to a deployed stage (over HTTP, with the real SDK)', () => {
  let s3: S3Server;
  let firehose: Server;
  const calls: Array<{ target: string; body: any }> = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3Server([
      'tributary-prod-lake-111122223333-us-east-1',
      'tributary-prod-raw-111122223333-us-east-1',
    ]);
    firehose = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        calls.push({ target: String(request.headers['x-amz-target']), body });
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(
          JSON.stringify({
            FailedPutCount: 0,
            Encrypted: false,
            RequestResponses: body.Records.map((_: unknown, i: number) => ({ RecordId: `r${i}` })),
          }),
        );
      });
    });
    await new Promise<void>((resolve) => firehose.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, s3.env, {
      AWS_ENDPOINT_URL_FIREHOSE: `http://127.0.0.1:${(firehose.address() as AddressInfo).port}`,
    });
  });
  afterAll(async () => {
    process.env = saved;
    await s3.stop();
    await new Promise((resolve) => firehose.close(resolve));
  });

  it('reads the error prefix from S3 and puts the records to the stage delivery stream', async () => {
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'tributary-prod-lake-111122223333-us-east-1',
        Key: 'errors/clickstream/processing-failed/dt=2026-11-20/f-1',
        Body: [errorRecord(events[0]!), errorRecord(events[1]!)].join('\n'),
      }),
    );
    const io = captureIo();
    const location = 's3://tributary-prod-lake-111122223333-us-east-1/errors/clickstream/';
    expect(await main(['replay', '--to', 'deployed', '--stage', 'prod', location], io)).toBe(0);
    expect(io.out()).toContain(
      'Replayed 2 Firehose records and 0 quarantined lines from 1 file to stage prod',
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]!.target).toBe('Firehose_20150804.PutRecordBatch');
    expect(calls[0]!.body.DeliveryStreamName).toBe('tributary-prod-clickstream');
    expect(calls[0]!.body.Records.map((r: any) => Buffer.from(r.Data, 'base64').toString())).toEqual(events);
  });

  it('puts quarantined lines into the raw bucket, where S3 notifies the flattener', async () => {
    const quarantine = await put(
      join(root, 'deployed/_q.quarantine.ndjson'),
      JSON.stringify({
        source: 'raw/dynamodb/users/dt=2026-11-20/s-9-9.ndjson.gz',
        line: 1,
        reason: 'r',
        raw: changeLine(9),
      }),
    );
    const io = captureIo();
    const args = ['replay', '--to', 'deployed', '--stage', 'prod', quarantine];
    const withoutBucket = captureIo();
    expect(await main(args, withoutBucket)).toBe(2);
    expect(withoutBucket.err()).toContain('give --raw-bucket');
    expect(await main([...args, '--raw-bucket', 'tributary-prod-raw-111122223333-us-east-1'], io)).toBe(0);
    const key = /raw object (\S+)/.exec(io.out())![1]!;
    expect(s3.events).toContainEqual({
      bucket: 'tributary-prod-raw-111122223333-us-east-1',
      key,
      eventName: 'ObjectCreated:Put',
    });
    const object = await s3.client.send(
      new GetObjectCommand({ Bucket: 'tributary-prod-raw-111122223333-us-east-1', Key: key }),
    );
    expect(gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString()).toBe(
      `${changeLine(9)}\n`,
    );
  });
});

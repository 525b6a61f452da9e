import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { flattenRawObject } from '../../../src/lib/dynamodb/flatten-raw-object';
import { DynamoLayout } from '../../../src/lib/dynamodb/layout';
import { checkSnapshotFlattened, ExportManifestError } from '../../../src/lib/dynamodb/snapshot-progress';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { listKeys } from '../../../src/lib/storage/object-store';

const RAW = 'raw';
const LAKE = 'lake';
const pipeline = parsePipeline({
  database: 'snapshots',
  dynamodb: [
    {
      name: 'members',
      keys: ['member_id'],
      columns: [
        { name: 'member_id', type: 'string' },
        { name: 'age', type: 'int' },
      ],
    },
  ],
});
const EXPORT_ID = '01764000000000-0a1b2c3d';
const request = {
  table: 'members',
  exportArn: `arn:aws:dynamodb:us-east-1:123456789012:table/app-members/export/${EXPORT_ID}`,
  S3Bucket: RAW,
  S3Prefix: 'exports/dynamodb/members/dt=2026-11-20/exported_at=20261121T000000Z/',
  attempts: 0,
};
const dataFile = (name: string) => `${request.S3Prefix}AWSDynamoDB/${EXPORT_ID}/data/${name}.json.gz`;
const item = (id: string, age: unknown) => JSON.stringify({ Item: { member_id: { S: id }, age } });

let root: string;
let store: LocalObjectStore;
const dependencies = () => ({ store, lakeBucket: LAKE, pipeline, hashKey: async () => undefined });

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-snapshot-progress-'));
  store = new LocalObjectStore(root);
  const files: Record<string, string[]> = {
    a1: [item('m1', { N: '30' }), item('m2', { N: '41' })],
    b2: [item('m3', { N: '25' })],
    c3: [],
  };
  for (const [name, lines] of Object.entries(files))
    await store.put(RAW, dataFile(name), gzipSync(lines.map((l) => `${l}\n`).join('')));
  await store.put(
    RAW,
    `${request.S3Prefix}AWSDynamoDB/${EXPORT_ID}/manifest-files.json`,
    Object.entries(files)
      .map(([name, lines]) => JSON.stringify({ itemCount: lines.length, dataFileS3Key: dataFile(name) }))
      .join('\n'),
  );
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('checkSnapshotFlattened', () => {
  it('is complete only once every data file the manifest lists has been flattened, and names the rest', async () => {
    await flattenRawObject(RAW, dataFile('a1'), dependencies());
    const partial = await checkSnapshotFlattened(store, LAKE, request);
    expect(partial).toMatchObject({
      complete: false,
      attempts: 1,
      dataFiles: 3,
      pending: [dataFile('b2'), dataFile('c3')],
      quarantined: [],
    });
    expect(partial.message).toContain(`2 of 3 data files of export ${request.exportArn} not flattened`);
    expect(partial.message).toContain(dataFile('c3'));
    expect(partial.message).toContain('copy it onto itself');

    await flattenRawObject(RAW, dataFile('b2'), dependencies());
    await flattenRawObject(RAW, dataFile('c3'), dependencies());
    expect(await checkSnapshotFlattened(store, LAKE, { ...request, attempts: 1 })).toMatchObject({
      complete: true,
      attempts: 2,
      pending: [],
      quarantined: [],
    });
  });

  it('writes one output per data file, the same one when a notification is delivered twice', async () => {
    await flattenRawObject(RAW, dataFile('a1'), dependencies());
    await flattenRawObject(RAW, dataFile('a1'), dependencies());
    const outputs = await listKeys(store, LAKE, 'lake/members_snapshot/');
    expect(outputs).toEqual([`lake/members_snapshot/dt=2026-11-20/${EXPORT_ID}-a1.parquet`]);
    const source = DynamoLayout.classify(dataFile('a1'));
    expect(source.kind === 'export' && DynamoLayout.outputKey(source)).toBe(outputs[0]);
  });

  it('reports a data file flattened with quarantined lines, so its readers can be held back', async () => {
    await store.put(RAW, dataFile('b2'), gzipSync(`${item('m3', { S: 'forty' })}\n`));
    for (const name of ['a1', 'b2', 'c3']) await flattenRawObject(RAW, dataFile(name), dependencies());
    const progress = await checkSnapshotFlattened(store, LAKE, request);
    expect(progress).toMatchObject({
      complete: true,
      quarantined: [
        {
          dataFile: dataFile('b2'),
          // beside its data file, in the raw bucket, behind the raw copy's fence
          quarantine: dataFile('b2').replace(/\/b2\.json\.gz$/, '/_b2.quarantine.ndjson'),
        },
      ],
    });
    expect(progress.message).toContain('members_snapshot is partial');
  });

  it('refuses an export without a manifest, naming where it looked', async () => {
    await expect(
      checkSnapshotFlattened(store, LAKE, { ...request, exportArn: `${request.exportArn}9` }),
    ).rejects.toThrow(ExportManifestError);
    await expect(
      checkSnapshotFlattened(store, LAKE, { ...request, exportArn: `${request.exportArn}9` }),
    ).rejects.toThrow(`AWSDynamoDB/${EXPORT_ID}9/manifest-files.json`);
  });
});

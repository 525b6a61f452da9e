import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import {
  declaredSources,
  ingestedLakeTables,
  SOURCE_KINDS,
  sourceKind,
} from '../../../src/lib/sources/registry';
import { forSource, type PerSourceKind } from '../../../src/lib/sources/source-kind';

const pipeline = parsePipeline({
  database: 'lake',
  dynamodb: [
    {
      name: 'users',
      keys: ['user_id'],
      flatten: { hash: ['email'] },
      columns: [
        { name: 'user_id', type: 'string' },
        { name: 'email', type: 'string' },
      ],
    },
  ],
  streams: [
    { name: 'clicks', columns: [{ name: 'id', type: 'string' }] },
    { name: 'views', columns: [{ name: 'id', type: 'string' }] },
  ],
});

describe('the source kinds', () => {
  it('registers each kind under its own name', () => {
    for (const [name, kind] of Object.entries(SOURCE_KINDS)) expect(kind.kind).toBe(name);
  });

  it('lists every declared source, streams first, each in its pipeline.yml order', () => {
    expect(declaredSources(pipeline).map((s) => [s.kind, s.spec.name])).toEqual([
      ['stream', 'clicks'],
      ['stream', 'views'],
      ['dynamodb', 'users'],
    ]);
  });

  it('gives a stream one table by day and hour, and a DynamoDB table its changes and snapshots by day', () => {
    expect(ingestedLakeTables(pipeline).map((t) => [t.name, t.partitioning, t.prefix])).toEqual([
      ['clicks', 'day-hour', 'lake/clicks/'],
      ['views', 'day-hour', 'lake/views/'],
      ['users_changes', 'day', 'lake/users_changes/'],
      ['users_snapshot', 'day', 'lake/users_snapshot/'],
    ]);
  });

  it('names the function that flattens each kind, which holds the hash key', () => {
    expect(sourceKind('stream').flatteningFunction).toBe('firehoseTransform');
    expect(sourceKind('dynamodb').flatteningFunction).toBe('s3Flatten');
  });

  it('calls the function of each source’s kind with its spec', () => {
    const describe: PerSourceKind<[string], string> = {
      stream: (stream, prefix) => `${prefix}${stream.name} from Firehose`,
      dynamodb: (table, prefix) => `${prefix}${table.name} keyed by ${table.keys.join(', ')}`,
    };
    expect(declaredSources(pipeline).map((source) => forSource(source, describe, '> '))).toEqual([
      '> clicks from Firehose',
      '> views from Firehose',
      '> users keyed by user_id',
    ]);
  });
});

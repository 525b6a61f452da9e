import { localEnvironment } from '../../../src/lib/local/local-environment';
import { localHandlerEnvironment } from '../../../src/lib/local/local-handlers';
import {
  LOCAL_SOURCES,
  type LocalSourceKind,
  type LocalSourceKinds,
} from '../../../src/lib/local/local-ingestion';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { SOURCE_KINDS } from '../../../src/lib/sources/registry';

const pipeline = parsePipeline({
  database: 'lake',
  streams: [{ name: 'clicks', columns: [{ name: 'id', type: 'string' }] }],
  dynamodb: [
    { name: 'users', keys: ['user_id'], columns: [{ name: 'user_id', type: 'string' }] },
    { name: 'orders', keys: ['order_id'], columns: [{ name: 'order_id', type: 'string' }] },
  ],
});

describe('each source kind on the local stage', () => {
  it('gives the local functions every kind’s variables, as serverless.yml gives the deployed ones', () => {
    const variables = localHandlerEnvironment(localEnvironment('/tmp/tributary-kinds'), pipeline);
    expect(variables.TRIBUTARY_STREAM_PREFIX).toBe('tributary-local-');
    expect(JSON.parse(variables.TRIBUTARY_DYNAMODB_TABLES!)).toEqual({
      'tributary-local-users': 'users',
      'tributary-local-orders': 'orders',
    });
    expect(JSON.parse(variables.TRIBUTARY_DYNAMODB_EXPORTS!)).toEqual([
      { table: 'users', tableArn: 'arn:aws:dynamodb:local:000000000000:table/tributary-local-users' },
      { table: 'orders', tableArn: 'arn:aws:dynamodb:local:000000000000:table/tributary-local-orders' },
    ]);
  });

  it('times each kind’s ingestion under its own name, in the registry’s order', () => {
    expect(
      Object.keys(SOURCE_KINDS).map((kind) => LOCAL_SOURCES[kind as keyof LocalSourceKinds].timing),
    ).toEqual(['ingest', 'capture']);
  });

  it('asks every kind for its ingestion: a table without one does not compile', () => {
    const stream: LocalSourceKind<'stream'> = LOCAL_SOURCES.stream;
    // @ts-expect-error: no entry for the dynamodb kind
    const missing: LocalSourceKinds = { stream };
    expect(Object.keys(missing)).toEqual(['stream']);
  });
});

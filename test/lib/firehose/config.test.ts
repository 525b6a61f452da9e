import { ConfigError } from '../../../src/lib/config/config-error';
import { readFirehoseTransformConfig } from '../../../src/lib/firehose/config';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';

const plain = parsePipeline({
  database: 'lake',
  streams: [{ name: 'events', columns: [{ name: 'id', type: 'string' }] }],
});
const ENV = { TRIBUTARY_STREAM_PREFIX: 'tributary-dev-', TRIBUTARY_LAKE_START_DATE: '2024-01-01' };

function problems(env: NodeJS.ProcessEnv, pipeline = plain): readonly string[] {
  try {
    readFirehoseTransformConfig(env, pipeline);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('the firehoseTransform environment, read once at cold start', () => {
  it('reads the stream prefix, the lake start date and where the hash key comes from', () => {
    expect(readFirehoseTransformConfig({ ...ENV, TRIBUTARY_HASH_KEY: 'k' }, plain)).toEqual({
      deliveryStreamPrefix: 'tributary-dev-',
      localRoot: undefined,
      hashKey: { kind: 'value', value: 'k' },
      lakeStartDate: '2024-01-01',
    });
  });

  it('names every problem at once, with the variable and what to write', () => {
    expect(
      problems({ TRIBUTARY_STREAM_PREFIX: 'no spaces allowed', TRIBUTARY_LAKE_START_DATE: '1/2/2024' }),
    ).toEqual([
      'TRIBUTARY_STREAM_PREFIX: "no spaces allowed" must be a delivery stream name prefix such as tributary-dev-',
      'TRIBUTARY_LAKE_START_DATE: "1/2/2024" must be a day as YYYY-MM-DD',
    ]);
    expect(problems({})).toEqual([
      'TRIBUTARY_STREAM_PREFIX: expected a non-empty string, got nothing',
      'TRIBUTARY_LAKE_START_DATE: expected a non-empty string, got nothing',
    ]);
  });

  it('refuses to start without a hash key when a stream hashes columns', () => {
    const hashing = parsePipeline({
      database: 'lake',
      streams: [
        {
          name: 'signups',
          flatten: { hash: ['email'] },
          columns: [{ name: 'email', type: 'string' }],
        },
      ],
    });
    expect(problems(ENV, hashing)).toEqual([
      '(top level): streams signups hash columns: set TRIBUTARY_HASH_KEY_SECRET_ARN (or TRIBUTARY_HASH_KEY locally)',
    ]);
    expect(problems({ ...ENV, TRIBUTARY_HASH_KEY_SECRET_ARN: 'arn' }, hashing)).toEqual([]);
  });
});

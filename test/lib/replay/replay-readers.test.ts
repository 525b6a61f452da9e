import { REPLAY_READERS, type ReplayReaders } from '../../../src/lib/replay/replay-source';

describe('each source kind’s failure stores', () => {
  it('gives a DynamoDB table its parked changes, its quarantine files and the raw files beside them', () => {
    for (const file of [
      'raw/aws/lambda/us-east-1/abc/2026/11/20/x.json',
      'raw/dynamodb/users/dt=2026-11-20/_changes-1.quarantine.ndjson',
      'raw/dynamodb/users/dt=2026-11-20/changes-1.ndjson.gz',
      'exports/dynamodb/users/AWSDynamoDB/01/data/a.json.gz',
    ])
      expect([file, REPLAY_READERS.dynamodb.claims(file)]).toEqual([file, true]);
  });

  it('leaves Firehose error output, wherever it was copied, to the stream kind', () => {
    for (const file of ['lake/errors/clickstream/processing-failed/dt=2026-11-20/a', 'copied/a'])
      expect([file, REPLAY_READERS.dynamodb.claims(file), REPLAY_READERS.stream.claims(file)]).toEqual([
        file,
        false,
        true,
      ]);
  });

  it('asks every kind for its failure stores: a table without one does not compile', () => {
    // @ts-expect-error: no entry for the dynamodb kind
    const missing: ReplayReaders = { stream: REPLAY_READERS.stream };
    expect(Object.keys(missing)).toEqual(['stream']);
  });
});

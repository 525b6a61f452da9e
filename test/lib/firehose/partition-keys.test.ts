import { partitionKeysFor } from '../../../src/lib/firehose/partition-keys';

describe('partitionKeysFor', () => {
  it('formats dt and hour in UTC', () => {
    expect(partitionKeysFor(Date.UTC(2026, 0, 5, 7, 59))).toEqual({ dt: '2026-01-05', hour: '07' });
  });
});

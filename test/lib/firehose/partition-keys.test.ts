import { partitionKeysFor } from '../../../src/lib/firehose/partition-keys';

describe('partitionKeysFor', () => {
  it('formats dt and hour in UTC', () => {
    expect(partitionKeysFor(Date.UTC(2026, 0, 5, 7, 59))).toEqual({ dt: '2026-01-05', hour: '07' });
  });

  it.each([
    [Date.UTC(2026, 0, 5, 7, 0), '2026-01-05', '07'],
    [Date.UTC(2026, 0, 5, 7, 59, 59, 999), '2026-01-05', '07'],
    [Date.UTC(2026, 0, 5, 8, 0), '2026-01-05', '08'],
    [Date.UTC(2026, 0, 5, 7, 30), '2026-01-05', '07'],
    [Date.UTC(1969, 11, 31, 23, 30), '1969-12-31', '23'],
    [Date.UTC(1970, 0, 1, 0, 30), '1970-01-01', '00'],
    [Date.UTC(2026, 0, 6, 7, 30), '2026-01-06', '07'],
  ])('gives %d its own hour, whatever hour was asked before', (ms, dt, hour) => {
    expect(partitionKeysFor(ms)).toEqual({ dt, hour });
  });
});

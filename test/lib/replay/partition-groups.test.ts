import { eventHourOf, groupByPartitions } from '../../../src/lib/replay/partition-groups';
import { replayBatches } from '../../../src/lib/replay/replay';
import { testPipeline } from '../../support/firehose';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 9, 1);
const at = (hour: number, id: string) =>
  Buffer.from(JSON.stringify({ event_id: id, event_time: new Date(START + hour * HOUR).toISOString() }));

describe('eventHourOf', () => {
  it.each([
    ['a flat record', '{"event_time":"2026-10-01T05:30:00Z"}', 'event_time', START / HOUR + 5],
    ['a nested source record', '{"meta":{"at":"2026-10-01T05:30:00Z"}}', 'meta__at', START / HOUR + 5],
    ['epoch seconds', `{"ts":${START / 1000 + 7200}}`, 'ts', START / HOUR + 2],
    ['no event time column', '{"event_time":"2026-10-01T05:30:00Z"}', undefined, undefined],
    ['a value that is no time', '{"event_time":"soon"}', 'event_time', undefined],
    ['a record that is not JSON', '{"event_time":', 'event_time', undefined],
  ])('reads the hour of %s', (_name, record, column, expected) => {
    expect(eventHourOf(Buffer.from(record), column)).toBe(expected);
  });
});

describe('groupByPartitions', () => {
  it('keeps every record once, in order, with at most the limit of partitions per group', () => {
    const records = Array.from({ length: 30 }, (_, i) => at(i % 12, `e${i}`));
    const groups = groupByPartitions(records, (r) => eventHourOf(r, 'event_time'), 5);
    expect(groups.flat()).toEqual(records);
    for (const group of groups) {
      expect(new Set(group.map((r) => eventHourOf(r, 'event_time'))).size).toBeLessThanOrEqual(5);
    }
  });

  it('counts a record of unknown hour as a partition of its own', () => {
    const records = [Buffer.from('x'), Buffer.from('y'), Buffer.from('z')];
    expect(groupByPartitions(records, () => undefined, 2).map((g) => g.length)).toEqual([2, 1]);
  });
});

describe('replayBatches', () => {
  it('sends a stream its failed records in groups of at most 500 event hours', async () => {
    const records = Array.from({ length: 1_300 }, (_, i) => at(i % 650, `e${i}`));
    const sent: Buffer[][] = [];
    const outcome = await replayBatches(
      [
        {
          kind: 'firehose',
          file: 'errors/clickstream/activePartitionExceeded/a',
          stream: 'clickstream',
          records,
        },
      ],
      testPipeline,
      {
        sendToStream: async (_stream, group) => {
          sent.push([...group]);
        },
        putRawObject: async () => undefined,
        sendToStreamFunction: async () => undefined,
      },
    );
    expect(outcome.records).toBe(1_300);
    expect(sent.flat()).toHaveLength(1_300);
    expect(new Set(sent.flat().map((r) => JSON.parse(r.toString()).event_id)).size).toBe(1_300);
    expect(sent.length).toBeGreaterThan(1);
    for (const group of sent) {
      expect(new Set(group.map((r) => eventHourOf(r, 'event_time'))).size).toBeLessThanOrEqual(500);
    }
  });

  it('waits for the stream between two groups, not before the first or after the last', async () => {
    const records = Array.from({ length: 1_200 }, (_, i) => at(i, `e${i}`));
    const calls: string[] = [];
    await replayBatches(
      [
        {
          kind: 'firehose',
          file: 'errors/clickstream/activePartitionExceeded/a',
          stream: 'clickstream',
          records,
        },
      ],
      testPipeline,
      {
        sendToStream: async (_stream, group) => {
          calls.push(`send ${group.length}`);
        },
        putRawObject: async () => undefined,
        sendToStreamFunction: async () => undefined,
        betweenPartitionGroups: async () => {
          calls.push('wait');
        },
      },
    );
    expect(calls).toEqual(['send 500', 'wait', 'send 500', 'wait', 'send 200']);
  });

  it('groups the records of every file of one stream together, so files sent one after another stay under the limit', async () => {
    const file = (n: number) => ({
      kind: 'firehose' as const,
      file: `errors/clickstream/activePartitionExceeded/${n}`,
      stream: 'clickstream',
      records: Array.from({ length: 300 }, (_, i) => at(n * 300 + i, `f${n}-${i}`)),
    });
    const sent: number[] = [];
    const outcome = await replayBatches([file(0), file(1), file(2)], testPipeline, {
      sendToStream: async (_stream, group) => {
        sent.push(new Set(group.map((r) => eventHourOf(r, 'event_time'))).size);
      },
      putRawObject: async () => undefined,
      sendToStreamFunction: async () => undefined,
    });
    expect(outcome.records).toBe(900);
    expect(sent).toEqual([500, 400]);
  });
});

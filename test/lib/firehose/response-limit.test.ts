import type { FirehoseTransformationResultRecord } from 'aws-lambda';
import { fitResponse, responseBytes, responseEntryBytes } from '../../../src/lib/firehose/response-limit';
import { emptyStats } from '../../../src/lib/firehose/transform-batch';

function okEntry(i: number, dataLength: number): FirehoseTransformationResultRecord {
  return {
    recordId: `record-${i}`,
    result: 'Ok',
    data: 'A'.repeat(dataLength),
    metadata: { partitionKeys: { dt: '2026-11-20', hour: '09' } },
  };
}

describe('response size', () => {
  it('is exactly the length of the serialized response', () => {
    const entries = [
      okEntry(1, 100),
      { recordId: 'x', result: 'ProcessingFailed' as const, data: 'QUJD' },
      okEntry(2, 0),
    ];
    expect(responseBytes(entries)).toBe(JSON.stringify({ records: entries }).length);
    expect(responseEntryBytes(entries[0]!)).toBe(JSON.stringify(entries[0]).length);
  });
});

describe('fitResponse', () => {
  it('leaves a response under the limit alone', () => {
    const results = [okEntry(1, 100), okEntry(2, 100)];
    expect(fitResponse(results, () => '', emptyStats(), 10_000)).toEqual([]);
  });

  it('keeps records in order while they fit and lists the rest for re-ingestion', () => {
    const results = Array.from({ length: 10 }, (_, i) => okEntry(i, 1000));
    const stats = { ...emptyStats(), ok: 10 };
    const reingest = fitResponse(results, () => 'b3JpZ2luYWw=', stats, 5_000);
    expect(reingest.length).toBeGreaterThan(0);
    expect(reingest).toEqual(Array.from({ length: reingest.length }, (_, i) => 10 - reingest.length + i));
    const final = results.map((entry, i) =>
      reingest.includes(i) ? { recordId: entry.recordId, result: 'Dropped' as const, data: '' } : entry,
    );
    expect(responseBytes(final)).toBeLessThanOrEqual(5_000);
    expect(stats).toMatchObject({ ok: 10 - reingest.length, reingested: reingest.length });
  });

  it('fails a record that could never fit, instead of re-ingesting it forever', () => {
    const results = [okEntry(1, 9_000), okEntry(2, 10)];
    const stats = { ...emptyStats(), ok: 2 };
    const reingest = fitResponse(results, () => 'b3JpZ2luYWw=', stats, 5_000);
    expect(reingest).toEqual([]);
    expect(results[0]).toEqual({ recordId: 'record-1', result: 'ProcessingFailed', data: 'b3JpZ2luYWw=' });
    expect(stats.failures).toEqual({ 'output-too-large': 1 });
    expect(stats.ok).toBe(1);
  });
});

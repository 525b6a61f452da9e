import fc from 'fast-check';
import { parseColumnType } from '../../../src/lib/columns/column-types';
import { transformRecords } from '../../../src/lib/firehose/transform-batch';
import { DecodeFailure } from '../../../src/lib/flattening/errors';
import { JsonNumber, JsonObject, type JsonValue, parseJson } from '../../../src/lib/flattening/json-value';
import { isValidColumnName } from '../../../src/lib/flattening/naming';
import { RecordFlattener } from '../../../src/lib/flattening/record-flattener';
import { converterFor } from '../../../src/lib/parquet/coerce';
import { decodeData, firehoseEvent } from '../../support/firehose';

/** Transform time 2026-11-21 08:30 UTC, lake from 2024-01-01. */
const lake = { lakeStartDate: '2024-01-01', now: () => Date.UTC(2026, 10, 21, 8, 30) };
const flattener = () => new RecordFlattener({ keyColumns: ['event_id'], eventTimeColumn: 'event_time' });

describe('transformRecords', () => {
  it('returns flat JSON lines with partition keys from the event time', () => {
    const event = firehoseEvent(['{"user":{"id":7},"event_time":"2026-11-20T09:15:02Z","event_id":"e1"}']);
    const { results, stats } = transformRecords(event.records, flattener(), lake);
    expect(results).toEqual([
      {
        recordId: event.records[0]!.recordId,
        result: 'Ok',
        data: Buffer.from('{"event_id":"e1","user__id":7,"event_time":"2026-11-20T09:15:02Z"}\n').toString(
          'base64',
        ),
        metadata: { partitionKeys: { dt: '2026-11-20', hour: '09' } },
      },
    ]);
    expect(stats).toMatchObject({ recordsIn: 1, ok: 1, failed: 0, eventTimeFallbacks: 0 });
  });

  it('falls back to the arrival time when the event time is missing or unreadable', () => {
    const event = firehoseEvent(['{"event_id":"e1"}', '{"event_time":"soon"}']);
    for (const record of event.records) record.approximateArrivalTimestamp = Date.UTC(2026, 10, 20, 2, 30);
    const { results, stats } = transformRecords(event.records, flattener(), lake);
    expect(results.map((r) => r.metadata?.partitionKeys)).toEqual([
      { dt: '2026-11-20', hour: '02' },
      { dt: '2026-11-20', hour: '02' },
    ]);
    expect(stats.eventTimeFallbacks).toBe(2);
  });

  // the lake serves 2024-01-01 through today (2026-11-21 in UTC) to every query from now on
  it.each([
    ['the first day the lake serves', '2024-01-01T00:00:00Z', { dt: '2024-01-01', hour: '00' }, 0],
    ['the last moment of today', '2026-11-21T23:59:59.999Z', { dt: '2026-11-21', hour: '23' }, 0],
    ['the day before the lake starts', '2023-12-31T23:59:59Z', { dt: '2026-11-21', hour: '08' }, 1],
    ['tomorrow (a clock running ahead)', '2026-11-22T00:00:00Z', { dt: '2026-11-21', hour: '08' }, 1],
    [
      'a time zone that puts it on tomorrow in UTC',
      '2026-11-21T20:00:00-05:00',
      { dt: '2026-11-21', hour: '08' },
      1,
    ],
    [
      'an offset that keeps it on today in UTC',
      '2026-11-21T20:00:00+05:00',
      { dt: '2026-11-21', hour: '15' },
      0,
    ],
  ])('files an event time on %s (%s) under %j', (_name, eventTime, keys, outOfRange) => {
    const event = firehoseEvent([`{"event_id":"e1","event_time":"${eventTime}"}`]);
    event.records[0]!.approximateArrivalTimestamp = Date.UTC(2026, 10, 21, 8, 29);
    const { results, stats } = transformRecords(event.records, flattener(), lake);
    expect(results[0]!.metadata?.partitionKeys).toEqual(keys);
    expect(decodeData(results[0]!.data)).toBe(`{"event_id":"e1","event_time":"${eventTime}"}\n`);
    expect(stats.eventTimeOutOfRange).toBe(outOfRange);
  });

  it('names a few out-of-range records so the producer can be found', () => {
    const event = firehoseEvent(
      Array.from({ length: 8 }, (_, i) => `{"event_id":"e${i}","event_time":"2019-06-0${i + 1}T00:00:00Z"}`),
    );
    for (const record of event.records) record.approximateArrivalTimestamp = Date.UTC(2026, 10, 21, 8, 29);
    const { stats } = transformRecords(event.records, flattener(), lake);
    expect(stats.eventTimeOutOfRange).toBe(8);
    expect(stats.outOfRangeExamples).toHaveLength(5);
    expect(stats.outOfRangeExamples[0]).toEqual({
      recordId: event.records[0]!.recordId,
      eventTime: '2019-06-01T00:00:00.000Z',
    });
  });

  it('files by the transform time when the arrival time is outside the lake as well', () => {
    const event = firehoseEvent([
      '{"event_id":"e1","event_time":"2019-06-01T00:00:00Z"}',
      '{"event_id":"e2"}',
    ]);
    // the fixture's own arrival time is in 2017, before the lake starts
    const { results, stats } = transformRecords(event.records, flattener(), lake);
    expect(results.map((r) => r.metadata?.partitionKeys)).toEqual([
      { dt: '2026-11-21', hour: '08' },
      { dt: '2026-11-21', hour: '08' },
    ]);
    expect(stats).toMatchObject({ eventTimeOutOfRange: 1, eventTimeFallbacks: 1 });
  });

  it('keeps every digit of big integers', () => {
    const event = firehoseEvent(['{"order_id":123456789012345678901234567890}']);
    expect(decodeData(transformRecords(event.records, flattener(), lake).results[0]!.data)).toBe(
      '{"order_id":123456789012345678901234567890}\n',
    );
  });

  it.each([
    ['malformed base64', 'eyJh*', DecodeFailure.base64],
    ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]).toString('base64'), DecodeFailure.utf8],
    ['invalid JSON', Buffer.from('{"a":').toString('base64'), DecodeFailure.json],
    ['a JSON array', Buffer.from('[1,2]').toString('base64'), DecodeFailure.notObject],
    ['a JSON string', Buffer.from('"hi"').toString('base64'), DecodeFailure.notObject],
  ])('fails %s with its reason and leaves the rest of the batch alone', (_name, original, reason) => {
    const event = firehoseEvent(['{"event_id":"bad"}', '{"event_id":"good"}']);
    event.records[0]!.data = original;
    const { results, stats } = transformRecords(event.records, flattener(), lake);
    expect(results[0]).toEqual({
      recordId: event.records[0]!.recordId,
      result: 'ProcessingFailed',
      data: original,
    });
    expect(results[1]!.result).toBe('Ok');
    expect(stats.failures).toEqual({ [reason]: 1 });
    expect(stats.failureExamples[0]).toMatchObject({ recordId: event.records[0]!.recordId, reason });
  });
});

/** Every scalar of a JSON value, as text that survives flattening (strings decoded, numbers raw). */
function scalarAtoms(value: JsonValue, into: string[] = []): string[] {
  if (value instanceof JsonObject) for (const [, v] of value.entries) scalarAtoms(v, into);
  else if (Array.isArray(value)) for (const v of value) scalarAtoms(v, into);
  else if (value instanceof JsonNumber) into.push(`n:${value.raw}`);
  else into.push(typeof value === 'string' ? `s:${value}` : String(value));
  return into;
}

/** Atoms in a flat row, looking inside the JSON text kept for arrays and deep objects. */
function outputAtoms(row: JsonObject): Set<string> {
  const atoms = new Set<string>();
  for (const [, value] of row.entries) {
    for (const atom of scalarAtoms(value)) atoms.add(atom);
    if (typeof value === 'string' && /^[[{]/.test(value)) {
      try {
        for (const atom of scalarAtoms(parseJson(value))) atoms.add(atom);
      } catch {
        // an ordinary string that merely starts with a bracket
      }
    }
  }
  return atoms;
}

const jsonObjectText = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify({ wrapped: v })),
  fc.object({ maxDepth: 5 }).map((o) => JSON.stringify(o)),
  fc
    .dictionary(
      fc.constantFrom('a', 'A', 'userId', 'user_id', '__proto__', 'constructor', 'é', ''),
      fc.jsonValue({ maxDepth: 3 }),
    )
    .map((o) => JSON.stringify(o)),
  fc.bigInt({ min: 2n ** 53n, max: 10n ** 38n }).map((n) => `{"big":${n},"nested":{"neg":-${n}}}`),
);
const payload = fc.oneof(
  { weight: 4, arbitrary: jsonObjectText.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.string().map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: jsonObjectText.map((t) => Buffer.from(t.slice(0, Math.max(1, t.length - 2)))) },
);

describe('the Firehose contract for any batch', () => {
  it('returns every recordId exactly once, Ok outputs flat with valid names, and no scalar lost', () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 20 }), fc.boolean(), (payloads, garbleBase64) => {
        const event = firehoseEvent(payloads);
        if (garbleBase64 && event.records.length > 0) event.records[0]!.data += '%';
        const { results, stats } = transformRecords(event.records, new RecordFlattener(), lake);
        expect(results.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
        expect(stats.ok + stats.failed).toBe(event.records.length);
        results.forEach((result, i) => {
          expect(['Ok', 'ProcessingFailed']).toContain(result.result);
          if (result.result === 'ProcessingFailed') {
            expect(result.data).toBe(event.records[i]!.data);
            return;
          }
          const text = decodeData(result.data);
          expect(text.endsWith('\n')).toBe(true);
          const row = parseJson(text.slice(0, -1)) as JsonObject;
          expect(row).toBeInstanceOf(JsonObject);
          for (const [name, value] of row.entries) {
            expect(isValidColumnName(name)).toBe(true);
            expect(value instanceof JsonObject || Array.isArray(value)).toBe(false);
          }
          const input = parseJson(payloads[i]!.toString('utf8'));
          const produced = outputAtoms(row);
          for (const atom of scalarAtoms(input)) expect(produced).toContain(atom);
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('values the declared columns cannot hold exactly', () => {
  const columns = [
    ['note', 'string'],
    ['ratio', 'double'],
    ['small', 'int'],
    ['big', 'bigint'],
    ['amount', 'decimal(12,2)'],
  ].map(([name, type]) => ({ name: name!, type: parseColumnType(type!) }));
  const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
  const numberText = fc
    .tuple(fc.boolean(), digits(25), fc.option(digits(25)), fc.option(fc.integer({ min: -420, max: 420 })))
    .map(
      ([negative, whole, fraction, exponent]) =>
        `${negative ? '-' : ''}${whole.replace(/^0+(?=\d)/, '')}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `e${exponent}`}`,
    );
  const noteText = fc.oneof(fc.string(), fc.constantFrom('\ud800', 'a\udc00b', '\ud83d\ude00', 'caf\u00e9'));
  const record = fc.record(
    { note: noteText, ratio: numberText, small: numberText, big: numberText, amount: numberText },
    { requiredKeys: [] },
  );

  it('fails exactly the records holding a value the lake could not store as written, naming its column, on either path', () => {
    const flattener = new RecordFlattener({ keyColumns: ['event_id'], columnTypes: columns });
    const converters = new Map(columns.map((column) => [column.name, converterFor(column)]));
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 10 }), (records) => {
        const texts = records.map((fields) => {
          const members = Object.entries(fields).map(([name, value]) =>
            name === 'note' ? `"note":${JSON.stringify(value)}` : `"${name}":${value}`,
          );
          return `{"event_id":"e",${members.join(',')}}`.replace(',}', '}');
        });
        const { results } = transformRecords(firehoseEvent(texts).records, flattener, lake);
        results.forEach((result, i) => {
          const bad = Object.entries(records[i]!).filter(([name, value]) => {
            try {
              converters.get(name)!(name === 'note' ? value : new JsonNumber(value as string));
              return false;
            } catch {
              return true;
            }
          });
          expect(result.result).toBe(bad.length === 0 ? 'Ok' : 'ProcessingFailed');
        });
        const { stats } = transformRecords(firehoseEvent(texts).records, flattener, lake);
        for (const example of stats.failureExamples) {
          expect(example.reason).toBe(DecodeFailure.value);
          expect(example.message).toMatch(/^Column (note|ratio|small|big|amount): /);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('drift against the declared columns', () => {
  it('names the columns a batch carries that the stream does not declare, on both paths', () => {
    const flattener = new RecordFlattener({
      keyColumns: ['event_id'],
      declaredColumns: ['event_id', 'user__id'],
    });
    const event = firehoseEvent([
      '{"event_id":"a","user":{"id":1,"plan":"pro"}}',
      '{"event_id":"b","userId":1,"user_id":2,"beta":true}',
      '{"event_id":"c"}',
    ]);
    const { stats } = transformRecords(event.records, flattener, lake);
    expect(Object.fromEntries(stats.undeclaredColumns)).toEqual({
      user__plan: 1,
      user_id: 1,
      user_id_72233777: 1,
      beta: 1,
    });
  });
});

describe('partitions the lake serves', () => {
  it('files every record under a day partition projection serves, whatever its event and arrival times', () => {
    const anyTime = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) });
    fc.assert(
      fc.property(anyTime, fc.oneof(anyTime, fc.constant(Number.NaN)), (eventMs, arrivalMs) => {
        const eventTime = new Date(eventMs).toISOString();
        const event = firehoseEvent([`{"event_time":"${eventTime}"}`]);
        event.records[0]!.approximateArrivalTimestamp = arrivalMs;
        const { results } = transformRecords(event.records, flattener(), lake);
        const dt = results[0]!.metadata!.partitionKeys.dt!;
        expect(dt >= '2024-01-01' && dt <= '2026-11-21').toBe(true);
        expect(decodeData(results[0]!.data)).toContain(`"event_time":"${eventTime}"`);
      }),
      { numRuns: 300 },
    );
  });
});

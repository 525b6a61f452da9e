import fc from 'fast-check';
import { mapToJson } from '../../../src/lib/dynamodb/attribute-value';
import { ChangeLineFlattener } from '../../../src/lib/dynamodb/change-line-flattener';
import { changedItem, parseChangeLine } from '../../../src/lib/dynamodb/change-record';
import { encodeFlatRow, flattenDocument } from '../../../src/lib/flattening/flatten';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { userItem } from '../../../src/lib/samples/users';
import { brokenItemArb, itemArb } from '../../support/dynamodb';

const plan = new FlattenPlan({
  keyColumns: ['pk', 'id'],
  maxDepth: 3,
  drop: ['secret'],
  hash: ['name'],
  hashKey: 'k',
});

function changeLine(
  eventName: string,
  newImage: unknown,
  oldImage?: unknown,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    eventName,
    eventID: 'e1',
    sequenceNumber: '4000000000000000000123',
    approximateCreationTime: 1795167000.5,
    keys: { pk: { S: 'k' } },
    ...(newImage === undefined ? {} : { newImage }),
    ...(oldImage === undefined ? {} : { oldImage }),
    ...extra,
  });
}

/** What the line means, computed the slow and obvious way. */
function expected(text: string): string {
  const change = parseChangeLine(text);
  return encodeFlatRow(flattenDocument(mapToJson(changedItem(change)), plan).row);
}

function outcome(run: () => { cells: Parameters<typeof encodeFlatRow>[0] }): string {
  try {
    return encodeFlatRow(run().cells);
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe('ChangeLineFlattener', () => {
  it('reads any change line exactly as the reference path does, errors included', () => {
    const lines = new ChangeLineFlattener(plan);
    const lineArb = fc.oneof(
      fc
        .tuple(fc.constantFrom('INSERT', 'MODIFY'), itemArb, fc.option(itemArb, { nil: undefined }))
        .map(([op, n, o]) => changeLine(op, n, o)),
      fc
        .tuple(itemArb, fc.boolean())
        .map(([o, withOld]) => changeLine('REMOVE', undefined, withOld ? o : undefined)),
      brokenItemArb.map((item) => changeLine('MODIFY', item)),
      itemArb.map((item) => changeLine('MODIFY', item).replace('"MODIFY"', '"UPSERT"')),
      itemArb.map((item) => changeLine('INSERT', item).slice(0, -3)),
      itemArb.map((item) => changeLine('INSERT', item, undefined, { newImage: { pk: { S: 'second' } } })),
    );
    fc.assert(
      fc.property(lineArb, (text) => {
        const ours = outcome(() => lines.readChange(Buffer.from(text)));
        let want: string;
        try {
          want = expected(text);
        } catch (error) {
          want = `${(error as Error).name}: ${(error as Error).message}`;
        }
        expect(ours).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders attribute names like "0" as JavaScript does, so both paths agree', () => {
    const text = changeLine('INSERT', {}).replace(
      '"newImage":{}',
      '"newImage":{"b":{"S":"x"},"7":{"S":"y"},"a":{"S":"z"}}',
    );
    expect(encodeFlatRow(new ChangeLineFlattener(plan).readChange(Buffer.from(text)).cells)).toBe(
      expected(text),
    );
    expect(expected(text)).toBe('{"_7":"y","b":"x","a":"z"}');
  });

  it('reads change metadata', () => {
    const content = new ChangeLineFlattener(plan).readChange(
      Buffer.from(changeLine('REMOVE', undefined, { pk: { S: 'k' }, n: { N: '1' } })),
    );
    expect(content).toMatchObject({
      operation: 'REMOVE',
      sequenceNumber: '4000000000000000000123',
      eventTimeMs: 1795167000500,
      deleted: true,
    });
    expect(encodeFlatRow(content.cells)).toBe('{"pk":"k","n":1}');
  });

  it('takes the byte path for ordinary changes and exports, so the equivalence is not vacuous', () => {
    const lines = new ChangeLineFlattener(
      new FlattenPlan({ keyColumns: ['user_id'], hash: ['email'], hashKey: 'k' }),
    );
    for (let i = 0; i < 50; i++) {
      expect(
        lines.readFast(Buffer.from(changeLine('MODIFY', userItem(i, 1), userItem(i, 0))), false),
      ).toBeDefined();
      expect(lines.readFast(Buffer.from(JSON.stringify({ Item: userItem(i) })), true, 0)).toBeDefined();
    }
  });

  it('reads export lines as snapshots at the export time', () => {
    const content = new ChangeLineFlattener(plan).readSnapshot(
      Buffer.from(JSON.stringify({ Item: { pk: { S: 'a' } } })),
      42,
    );
    expect(content).toEqual({
      operation: 'SNAPSHOT',
      sequenceNumber: null,
      eventTimeMs: 42,
      deleted: false,
      cells: [{ name: 'pk', value: 'a' }],
    });
    expect(() => new ChangeLineFlattener(plan).readSnapshot(Buffer.from('{"item":{}}'), 0)).toThrow(
      'an export line must be {"Item": {...}}',
    );
  });
});

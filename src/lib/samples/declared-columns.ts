import { type ColumnSpec, columnKind } from '../columns/column-types';
import { SeededRandom } from './random';

/**
 * Sample records for a stream or DynamoDB table that has no sample file: built from the columns
 * pipeline.yml declares, nested back along their `__` separators so the flattener gives the same
 * column names, with values of each declared type that look like what the name suggests, on the
 * run's day. The same table, day and count always give the same records.
 */

type SampleValue = string | number | boolean;

/** A value of the column's declared type, from the type's own sample generator. */
function columnValue(
  column: ColumnSpec,
  context: { key: string; index: number; count: number; dayStart: number; random: SeededRandom },
): SampleValue {
  const last = column.name.split('__').at(-1) ?? column.name;
  const { key, index, count, dayStart, random } = context;
  return columnKind(column.type).sample(column.type, {
    column: column.name,
    last,
    key,
    index,
    count,
    dayStart,
    random,
  });
}

/** `{a__b: 1}` → `{a: {b: 1}}`; a name that is also a prefix of another keeps the first one declared. */
function nest(values: ReadonlyArray<readonly [string, SampleValue]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of values) {
    const path = name.split('__');
    let node = root;
    let blocked = false;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (next === undefined) node[segment] = {};
      else if (typeof next !== 'object') {
        blocked = true;
        break;
      }
      node = node[segment] as Record<string, unknown>;
    }
    const leaf = path.at(-1)!;
    if (!blocked && node[leaf] === undefined) node[leaf] = value;
  }
  return root;
}

function seedOf(name: string, day: string): number {
  let seed = 17;
  for (const character of `${name}/${day}`) seed = Math.imul(seed ^ character.charCodeAt(0), 0x01000193);
  return seed >>> 0;
}

function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export interface DeclaredTable {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
}

/** One event per line for a Firehose stream, every timestamp column on `day`. */
export function* eventsFromColumns(stream: DeclaredTable, day: string, count: number): Generator<Buffer> {
  const random = new SeededRandom(seedOf(stream.name, day));
  const start = dayStart(day);
  for (let index = 0; index < count; index++) {
    const context = { key: stream.name, index, count, dayStart: start, random };
    const values = stream.columns.map((c) => [c.name, columnValue(c, context)] as const);
    yield Buffer.from(JSON.stringify(nest(values)));
  }
}

type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { M: Record<string, AttributeValue> };

function marshallItem(item: object): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, marshall(v)]));
}

function marshall(value: unknown): AttributeValue {
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'string') return { S: value };
  return { M: marshallItem(value as object) };
}

/** What the DynamoDB stream of a table delivers to Lambda, as `DynamoDBRecord` JSON. */
export interface GeneratedChangeRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: Record<string, unknown>;
  readonly eventSourceARN: string;
}

/**
 * A NEW_AND_OLD_IMAGES stream of `count` items on `day`: every item inserted, every fifth one then
 * modified, every tenth one then removed.
 */
export function* changesFromColumns(
  table: DeclaredTable & { readonly keys: readonly string[] },
  day: string,
  count: number,
  streamArn: string,
): Generator<GeneratedChangeRecord> {
  const random = new SeededRandom(seedOf(table.name, day));
  const start = dayStart(day);
  const items = Array.from({ length: count }, (_, index) => {
    const context = { key: table.name, index, count, dayStart: start, random };
    return nest(table.columns.map((c) => [c.name, columnValue(c, context)] as const));
  });
  let sequence = 5_100_000_000_000_000_000_000n;
  let seconds = Math.floor(start / 1000);
  const record = (eventName: GeneratedChangeRecord['eventName'], oldItem?: object, newItem?: object) => {
    sequence += 1000n;
    seconds += 1;
    const item = (newItem ?? oldItem) as Record<string, unknown>;
    const keys = Object.fromEntries(table.keys.map((key) => [key, marshall(item[key])]));
    return {
      eventID: random.hex(32),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: seconds,
        Keys: keys,
        SequenceNumber: sequence.toString(),
        SizeBytes: 400,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
        ...(newItem ? { NewImage: marshallItem(newItem) } : {}),
        ...(oldItem ? { OldImage: marshallItem(oldItem) } : {}),
      },
      eventSourceARN: streamArn,
    } as const;
  };
  for (const item of items) yield record('INSERT', undefined, item);
  const changeable = table.columns.filter((c) => !table.keys.includes(c.name) && !c.name.includes('__'));
  for (let index = 0; index < count; index += 5) {
    const before = items[index]!;
    const column = changeable[index % Math.max(changeable.length, 1)];
    const after = column
      ? {
          ...before,
          [column.name]: columnValue(column, {
            key: table.name,
            index: index + count,
            count,
            dayStart: start,
            random,
          }),
        }
      : before;
    items[index] = after;
    yield record('MODIFY', before, after);
  }
  for (let index = 0; index < count; index += 10) yield record('REMOVE', items[index]);
}

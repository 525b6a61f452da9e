import { type ConfigReader, readConfig } from '../config/reader';
import { isValidColumnName } from '../flattening/naming';
import { MAX_FLATTEN_DEPTH } from '../flattening/options';
import { type ColumnSpec, ColumnTypeError, parseColumnType } from '../schema/column-types';

/**
 * The pipeline description (`pipeline.yml`): every stream and table Tributary manages. The
 * serverless template, the Lambda handlers and the local runner all read this one file.
 */
export interface Pipeline {
  /** Glue database name; each stage gets `<database>_<stage>`. */
  readonly database: string;
  readonly streams: readonly StreamSpec[];
}

export interface FlattenSpec {
  readonly maxDepth: number;
  readonly drop: readonly string[];
  readonly hash: readonly string[];
}

/** A Firehose event stream landing in `lake/<name>/dt=.../hour=...`. */
export interface StreamSpec {
  readonly name: string;
  readonly description: string;
  /** Column holding the event's own time; partitions fall back to arrival time without it. */
  readonly eventTime: string | undefined;
  readonly keys: readonly string[];
  readonly flatten: FlattenSpec;
  readonly columns: readonly ColumnSpec[];
}

export const TABLE_NAME = /^[a-z][a-z0-9_]{0,47}$/;
const TABLE_NAME_HINT =
  'lowercase letters, digits and underscores, starting with a letter, at most 48 characters';
const COLUMN_NAME_HINT = 'a column name ([a-z0-9_], at most 255 characters)';
const COLUMN_NAME = /^[a-z0-9_]{1,255}$/;

export function parsePipeline(document: unknown, source = 'pipeline.yml'): Pipeline {
  return readConfig(source, document, (root) => {
    root.object(['database', 'streams']);
    const database = root.field('database').string({ pattern: TABLE_NAME, patternHint: TABLE_NAME_HINT });
    const streams = root.field('streams').list(readStream);
    requireUnique(
      root,
      'streams',
      streams.map((s) => s.name),
    );
    return { database, streams };
  });
}

function readStream(item: ConfigReader): StreamSpec {
  item.object(['name', 'description', 'eventTime', 'keys', 'flatten', 'columns']);
  const name = item.field('name').string({ pattern: TABLE_NAME, patternHint: TABLE_NAME_HINT });
  const columns = readColumns(item.field('columns'));
  const declared = new Map(columns.map((c) => [c.name, c]));
  const keys = item.field('keys').stringList({ pattern: COLUMN_NAME, patternHint: COLUMN_NAME_HINT });
  for (const key of keys)
    if (!declared.has(key)) item.field('keys').problem(`key ${key} is not a declared column`);
  const eventTime = item
    .field('eventTime')
    .optionalString({ pattern: COLUMN_NAME, patternHint: COLUMN_NAME_HINT });
  if (eventTime !== undefined) {
    const column = declared.get(eventTime);
    if (!column) item.field('eventTime').problem(`${eventTime} is not a declared column`);
    else if (!['timestamp', 'string', 'bigint'].includes(column.type.kind)) {
      item.field('eventTime').problem(`${eventTime} must be a timestamp, string or bigint column`);
    }
  }
  return {
    name,
    description: item.field('description').optionalString() ?? '',
    eventTime,
    keys,
    flatten: readFlatten(item.field('flatten'), keys),
    columns,
  };
}

function readFlatten(reader: ConfigReader, keys: readonly string[]): FlattenSpec {
  if (!reader.present) return { maxDepth: 10, drop: [], hash: [] };
  reader.object(['maxDepth', 'drop', 'hash', 'explode']);
  if (reader.field('explode').present) {
    reader
      .field('explode')
      .problem('Firehose writes one table per stream, so a stream cannot explode arrays into child tables');
  }
  const path = { pattern: COLUMN_NAME, patternHint: COLUMN_NAME_HINT };
  const drop = reader.field('drop').stringList(path);
  const hash = reader.field('hash').stringList(path);
  for (const column of drop) {
    if (hash.includes(column)) reader.problem(`${column} is both dropped and hashed`);
    if (keys.includes(column)) reader.problem(`key column ${column} cannot be dropped`);
  }
  return { maxDepth: reader.field('maxDepth').integer(1, MAX_FLATTEN_DEPTH, 10), drop, hash };
}

function readColumns(reader: ConfigReader): ColumnSpec[] {
  const columns = reader.list(
    (item) => {
      item.object(['name', 'type', 'comment']);
      const name = item.field('name').string({ pattern: COLUMN_NAME, patternHint: COLUMN_NAME_HINT });
      const typeText = item.field('type').string();
      let type: ColumnSpec['type'] = { kind: 'string' };
      if (typeText) {
        try {
          type = parseColumnType(typeText);
        } catch (error) {
          if (!(error instanceof ColumnTypeError)) throw error;
          item.field('type').problem(error.message);
        }
      }
      return { name, type, comment: item.field('comment').optionalString() };
    },
    { required: true },
  );
  if (reader.present && columns.length === 0) reader.problem('declare at least one column');
  requireUnique(
    reader,
    'columns',
    columns.map((c) => c.name),
  );
  for (const column of columns) {
    if (column.name && !isValidColumnName(column.name)) reader.problem(`invalid column name ${column.name}`);
  }
  return columns;
}

function requireUnique(reader: ConfigReader, what: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) reader.problem(`${what} has ${name} twice`);
    seen.add(name);
  }
}

export function findStream(pipeline: Pipeline, name: string): StreamSpec | undefined {
  return pipeline.streams.find((stream) => stream.name === name);
}

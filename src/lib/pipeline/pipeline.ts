import { type ColumnSpec, ColumnTypeError, parseColumnType } from '../columns/column-types';
import { type ConfigReader, readConfig } from '../config/reader';
import { isValidColumnName, normalizeSegment } from '../flattening/naming';
import { type FlattenOptions, MAX_FLATTEN_DEPTH } from '../flattening/options';
import { type CheckSpec, readCheck } from './check-spec';
import {
  type LoadSpec,
  readLoad,
  readTransform,
  type TransformSpec,
  transformLevels,
} from './transform-spec';

/**
 * The pipeline description (`pipeline.yml`): every stream and table Tributary manages. The
 * serverless template, the Lambda handlers and the local runner all read this one file.
 */
export interface Pipeline {
  /** Glue database name; each stage gets `<database>_<stage>`. */
  readonly database: string;
  readonly streams: readonly StreamSpec[];
  readonly dynamodb: readonly DynamoTableSpec[];
  /** Tables of the daily Aurora snapshot export, catalogued where the export writes them. */
  readonly aurora: readonly AuroraTableSpec[];
  readonly transforms: readonly TransformSpec[];
  readonly loads: readonly LoadSpec[];
  /** Data checks on lake tables and transform outputs, run after the transforms, before the loads. */
  readonly checks: readonly CheckSpec[];
  /** Transform names by dependency level: each level reads only what earlier levels wrote. */
  readonly transformLevels: readonly (readonly string[])[];
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
  /** How often records must arrive; the stack alarms when fewer do. */
  readonly expect: ArrivalExpectation | undefined;
  /** When and how `tributary compact` rewrites the stream's days (src/lib/rewrite); absent: defaults. */
  readonly compaction?: CompactionSpec | undefined;
}

/** `compaction: { afterDays: 2, targetFileMB: 128, maxFilesPerDay: 64 }` on a stream. */
export interface CompactionSpec {
  /** A day is compacted once this many days have passed since it (late data rarely arrives later). */
  readonly afterDays: number;
  readonly targetFileMB: number;
  readonly maxFilesPerDay: number;
}

/**
 * `expect: { atLeastRecords: N, per: 1h, anomalyDetection: true }`: a floor on the records the
 * delivery stream receives per period, and optionally an alarm when CloudWatch's anomaly
 * detection model says the count is below its usual band.
 */
export interface ArrivalExpectation {
  readonly atLeastRecords: number;
  /** The alarm's period in seconds: a multiple of 60, at most one day. */
  readonly periodSeconds: number;
  readonly anomalyDetection: boolean;
}

/** Key attribute of a demo DynamoDB table, as DynamoDB declares it. */
export interface DynamoKeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

/**
 * A DynamoDB table captured into `lake/<name>_changes/` (every change from its stream) and
 * `lake/<name>_snapshot/` (point-in-time exports). Columns are the flattened attributes.
 */
export interface DynamoTableSpec {
  readonly name: string;
  readonly description: string;
  /** Columns of the table's key attributes, partition key first; written first in every row. */
  readonly keys: readonly string[];
  readonly flatten: FlattenSpec;
  readonly columns: readonly ColumnSpec[];
  /** A small table of this shape that stages with `demoTables` create, so dev has data to capture. */
  readonly demo:
    | { readonly partitionKey: DynamoKeyAttribute; readonly sortKey?: DynamoKeyAttribute }
    | undefined;
}

/**
 * A table of the Aurora MySQL cluster (params `auroraClusterArn`, ...), exported daily as Parquet
 * by RDS and catalogued in place, partitioned by the export's day. Columns are as RDS writes them.
 */
export interface AuroraTableSpec {
  readonly name: string;
  readonly description: string;
  /** The MySQL database and table it exports. */
  readonly database: string;
  readonly table: string;
  readonly columns: readonly ColumnSpec[];
}

/** Columns every DynamoDB change row carries after its keys; declared columns may not reuse them. */
export const CHANGE_METADATA_COLUMNS = ['_op', '_seq', '_event_time', '_deleted'] as const;
/** Flattened attributes the table does not declare, kept as JSON text so nothing is lost. */
export const EXTRA_ATTRIBUTES_COLUMN = '_extra';

export const TABLE_NAME = /^[a-z][a-z0-9_]{0,47}$/;
const TABLE_NAME_HINT =
  'lowercase letters, digits and underscores, starting with a letter, at most 48 characters';
const COLUMN_NAME_HINT = 'a column name ([a-z0-9_], at most 255 characters)';
const COLUMN_NAME = /^[a-z0-9_]{1,255}$/;

export function parsePipeline(document: unknown, source = 'pipeline.yml'): Pipeline {
  return readConfig(source, document, (root) => {
    root.object(['database', 'streams', 'dynamodb', 'aurora', 'transforms', 'loads', 'checks']);
    const database = root.field('database').string({ pattern: TABLE_NAME, patternHint: TABLE_NAME_HINT });
    const streams = root.field('streams').list(readStream);
    const dynamodb = root.field('dynamodb').list(readDynamoTable);
    const aurora = root.field('aurora').list(readAuroraTable);
    const transforms = root.field('transforms').list(readTransform);
    const loads = root.field('loads').list(readLoad);
    const checks = root.field('checks').list(readCheck);
    const ingested = [
      ...streams.map((s) => s.name),
      ...dynamodb.flatMap((t) => [`${t.name}_changes`, `${t.name}_snapshot`]),
      ...aurora.map((t) => t.name),
    ];
    requireUnique(root, 'lake table', [...ingested, ...transforms.map((t) => t.name)]);
    requireUnique(
      root,
      'load',
      loads.map((l) => l.name),
    );
    const { levels, problems } = transformLevels(transforms, new Set(ingested));
    for (const problem of problems) root.field('transforms').problem(problem);
    for (const load of loads) {
      if (!transforms.some((t) => t.name === load.transform)) {
        root
          .field('loads')
          .problem(`load ${load.name} reads transform ${load.transform}, which is not declared`);
      }
    }
    requireUnique(
      root,
      'check',
      checks.map((c) => c.name),
    );
    validateChecks(root.field('checks'), checks, { streams, dynamodb, aurora, transforms });
    return { database, streams, dynamodb, aurora, transforms, loads, checks, transformLevels: levels };
  });
}

/**
 * A check names a lake table or transform output; on a table whose columns pipeline.yml declares,
 * its columns must exist (a transform's columns come from its SQL, so Athena reports those).
 */
function validateChecks(
  reader: ConfigReader,
  checks: readonly CheckSpec[],
  declared: Pick<Pipeline, 'streams' | 'dynamodb' | 'aurora' | 'transforms'>,
): void {
  const columnsOf = new Map<string, readonly ColumnSpec[] | undefined>([
    ...declared.streams.map((s) => [s.name, s.columns] as const),
    ...declared.dynamodb.flatMap((t) => [
      [`${t.name}_changes`, undefined] as const,
      [`${t.name}_snapshot`, undefined] as const,
    ]),
    ...declared.aurora.map((t) => [t.name, t.columns] as const),
    ...declared.transforms.map((t) => [t.name, undefined] as const),
  ]);
  checks.forEach((check, index) => {
    const item = reader.field(String(index));
    if (!check.table) return;
    if (!columnsOf.has(check.table)) {
      item.field('table').problem(`${check.table} is not a lake table or transform of the pipeline`);
      return;
    }
    const columns = columnsOf.get(check.table);
    const rule = check.rule;
    const named =
      rule.kind === 'not_null' || rule.kind === 'unique'
        ? rule.columns
        : rule.kind === 'accepted_values' || rule.kind === 'freshness'
          ? [rule.column]
          : [];
    for (const column of columns ? named : []) {
      if (column !== 'dt' && !columns!.some((c) => c.name === column))
        item.problem(`${check.table} has no column ${column}`);
    }
    if (rule.kind === 'freshness' && columns) {
      const type = columns.find((c) => c.name === rule.column)?.type.kind;
      if (type && type !== 'timestamp')
        item.problem(`freshness needs a timestamp column; ${rule.column} is ${type}`);
    }
    if (rule.kind === 'sql') {
      for (const match of rule.sql.matchAll(/\{\{\s*table:\s*([a-z0-9_]+)\s*\}\}/g)) {
        if (!columnsOf.has(match[1]!))
          item.problem(`sql reads {{table:${match[1]}}}, which is not a lake table`);
      }
    }
  });
}

function readStream(item: ConfigReader): StreamSpec {
  item.object(['name', 'description', 'eventTime', 'keys', 'flatten', 'columns', 'expect', 'compaction']);
  const name = item.field('name').string({ pattern: TABLE_NAME, patternHint: TABLE_NAME_HINT });
  const { columns, keys } = readColumnsAndKeys(item);
  const declared = new Map(columns.map((c) => [c.name, c]));
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
    flatten: readFlatten(
      item.field('flatten'),
      keys,
      'Firehose writes one table per stream, so a stream cannot explode arrays into child tables',
    ),
    columns,
    expect: readExpectation(item.field('expect')),
    compaction: readCompaction(item.field('compaction')),
  };
}

function readCompaction(reader: ConfigReader): CompactionSpec | undefined {
  if (!reader.present) return undefined;
  reader.object(['afterDays', 'targetFileMB', 'maxFilesPerDay']);
  return {
    afterDays: reader.field('afterDays').integer(1, 365, 2),
    targetFileMB: reader.field('targetFileMB').integer(1, 1024, 128),
    maxFilesPerDay: reader.field('maxFilesPerDay').integer(1, 10_000, 64),
  };
}

const PERIOD = /^([1-9]\d*)(m|h|d)$/;
const PERIOD_UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;
/** A CloudWatch alarm evaluates at most one day of periods. */
const MAX_ALARM_PERIOD_SECONDS = 86_400;

function readExpectation(reader: ConfigReader): ArrivalExpectation | undefined {
  if (!reader.present) return undefined;
  reader.object(['atLeastRecords', 'per', 'anomalyDetection']);
  const per = reader.field('per').string({ pattern: PERIOD, patternHint: 'a period such as 15m, 1h or 1d' });
  const match = PERIOD.exec(per);
  const periodSeconds = match
    ? Number(match[1]) * PERIOD_UNIT_SECONDS[match[2] as keyof typeof PERIOD_UNIT_SECONDS]
    : 3600;
  if (match && periodSeconds > MAX_ALARM_PERIOD_SECONDS)
    reader.field('per').problem(`${per} is longer than a CloudWatch alarm can evaluate (at most 1d)`);
  if (!reader.field('atLeastRecords').present) reader.field('atLeastRecords').problem('is required');
  return {
    atLeastRecords: reader.field('atLeastRecords').integer(1, Number.MAX_SAFE_INTEGER, 1),
    periodSeconds,
    anomalyDetection: reader.field('anomalyDetection').boolean(false),
  };
}

function readDynamoTable(item: ConfigReader): DynamoTableSpec {
  item.object(['name', 'description', 'keys', 'flatten', 'columns', 'demo']);
  const name = item.field('name').string({ pattern: TABLE_NAME, patternHint: TABLE_NAME_HINT });
  const { columns, keys } = readColumnsAndKeys(item);
  if (keys.length < 1 || keys.length > 2)
    item.field('keys').problem('list the partition key, then the sort key if any');
  for (const column of columns) {
    if (
      (CHANGE_METADATA_COLUMNS as readonly string[]).includes(column.name) ||
      column.name === EXTRA_ATTRIBUTES_COLUMN
    ) {
      item.field('columns').problem(`${column.name} is a metadata column Tributary adds itself`);
    }
  }
  return {
    name,
    description: item.field('description').optionalString() ?? '',
    keys,
    flatten: readFlatten(
      item.field('flatten'),
      keys,
      'child tables have no declared columns, so DynamoDB tables keep lists as JSON text instead',
    ),
    columns,
    demo: readDemo(item.field('demo'), keys),
  };
}

/** RDS exports only names of Latin letters, digits, `$` and `_` table by table. */
const MYSQL_NAME_HINT = 'a MySQL name of letters, digits, $ and _';

function readAuroraTable(item: ConfigReader): AuroraTableSpec {
  item.object(['name', 'description', 'source', 'columns']);
  const name = item.field('name').string({ pattern: TABLE_NAME, patternHint: TABLE_NAME_HINT });
  const source = item.field('source').string({
    pattern: /^[A-Za-z0-9_$]{1,64}\.[A-Za-z0-9_$]{1,64}$/,
    patternHint: `database.table, each ${MYSQL_NAME_HINT}`,
  });
  const [database = '', table = ''] = source.split('.');
  return {
    name,
    description: item.field('description').optionalString() ?? '',
    database,
    table,
    columns: readColumns(item.field('columns')),
  };
}

function readDemo(reader: ConfigReader, keys: readonly string[]): DynamoTableSpec['demo'] {
  if (!reader.present) return undefined;
  reader.object(['partitionKey', 'sortKey']);
  const readKey = (field: ConfigReader): DynamoKeyAttribute => {
    field.object(['name', 'type']);
    return {
      name: field.field('name').string(),
      type: field.field('type').oneOf(['S', 'N', 'B'] as const, 'S'),
    };
  };
  const partitionKey = readKey(reader.field('partitionKey'));
  const sortKey = reader.field('sortKey').present ? readKey(reader.field('sortKey')) : undefined;
  const demoKeys = [partitionKey, ...(sortKey ? [sortKey] : [])].map((k) => normalizeSegment(k.name));
  if (demoKeys.join() !== keys.join()) {
    reader.problem(
      `the demo table's key attributes must flatten to the keys (${keys.join(', ')}), not ${demoKeys.join(', ')}`,
    );
  }
  return sortKey ? { partitionKey, sortKey } : { partitionKey };
}

function readColumnsAndKeys(item: ConfigReader): { columns: ColumnSpec[]; keys: string[] } {
  const columns = readColumns(item.field('columns'));
  const declared = new Set(columns.map((c) => c.name));
  const keys = item.field('keys').stringList({ pattern: COLUMN_NAME, patternHint: COLUMN_NAME_HINT });
  for (const key of keys)
    if (!declared.has(key)) item.field('keys').problem(`key ${key} is not a declared column`);
  return { columns, keys };
}

function readFlatten(reader: ConfigReader, keys: readonly string[], whyNoExplode: string): FlattenSpec {
  if (!reader.present) return { maxDepth: 10, drop: [], hash: [] };
  reader.object(['maxDepth', 'drop', 'hash', 'explode']);
  if (reader.field('explode').present) reader.field('explode').problem(whyNoExplode);
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
    'column',
    columns.map((c) => c.name),
  );
  for (const column of columns) {
    if (column.name && !isValidColumnName(column.name)) reader.problem(`invalid column name ${column.name}`);
  }
  return columns;
}

function requireUnique(reader: ConfigReader, noun: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) reader.problem(`${noun} ${name} is declared twice`);
    seen.add(name);
  }
}

export function findStream(pipeline: Pipeline, name: string): StreamSpec | undefined {
  return pipeline.streams.find((stream) => stream.name === name);
}

export function findDynamoTable(pipeline: Pipeline, name: string): DynamoTableSpec | undefined {
  return pipeline.dynamodb.find((table) => table.name === name);
}

/** How a stream's records or a DynamoDB table's items are flattened, as the pipeline declares it. */
export function flattenOptionsFor(
  table: StreamSpec | DynamoTableSpec,
  hashKey: string | undefined,
): Partial<FlattenOptions> {
  const common = {
    keyColumns: table.keys,
    maxDepth: table.flatten.maxDepth,
    drop: table.flatten.drop,
    hash: table.flatten.hash,
    hashKey,
  };
  if (!('eventTime' in table)) return common;
  return {
    ...common,
    eventTimeColumn: table.eventTime,
    declaredColumns: table.columns.map((c) => c.name),
    columnTypes: table.columns,
  };
}

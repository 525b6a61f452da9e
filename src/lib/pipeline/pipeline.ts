import * as v from 'valibot';
import { type ColumnSpec, ColumnTypeError, parseColumnType } from '../columns/column-types';
import {
  bool,
  integer,
  list,
  mapping,
  oneOf,
  optional,
  parseConfig,
  problemAt,
  text,
} from '../config/schema';
import { isValidColumnName, normalizeSegment } from '../flattening/naming';
import { type FlattenOptions, MAX_FLATTEN_DEPTH } from '../flattening/options';
import { CHECK_SCHEMA, type CheckSpec, toCheckSpec } from './check-spec';
import {
  LOAD_SCHEMA,
  type LoadSpec,
  TRANSFORM_SCHEMA,
  type TransformSpec,
  toLoadSpec,
  toTransformSpec,
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

const TABLE_NAME_TEXT = text({ pattern: TABLE_NAME, hint: TABLE_NAME_HINT });
const COLUMN_NAME_TEXT = text({ pattern: COLUMN_NAME, hint: COLUMN_NAME_HINT });

const COLUMN_TYPE = v.pipe(
  text(),
  v.rawCheck<string>(({ dataset, addIssue }) => {
    if (!dataset.typed || dataset.issues) return;
    try {
      parseColumnType(dataset.value);
    } catch (error) {
      if (!(error instanceof ColumnTypeError)) throw error;
      addIssue({ message: error.message });
    }
  }),
  v.metadata({
    description: 'string, bigint, int, double, boolean, timestamp, date, decimal(p,s), array<...>, ...',
  }),
);

const COLUMNS = v.pipe(
  list(mapping({ name: COLUMN_NAME_TEXT, type: COLUMN_TYPE, comment: optional(text()) })),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const names = dataset.value.map((c) => c.name);
    if (names.length === 0) addIssue({ message: 'declare at least one column' });
    for (const problem of duplicates('column', names)) addIssue({ message: problem });
    for (const name of names)
      if (name && !isValidColumnName(name)) addIssue({ message: `invalid column name ${name}` });
  }),
);

const flattenSchema = (whyNoExplode: string) =>
  optional(
    v.pipe(
      mapping({
        maxDepth: optional(integer(1, MAX_FLATTEN_DEPTH), 10),
        drop: optional(list(COLUMN_NAME_TEXT), []),
        hash: optional(list(COLUMN_NAME_TEXT), []),
        explode: optional(
          v.pipe(
            v.unknown(),
            v.rawCheck(({ addIssue }) => addIssue({ message: whyNoExplode })),
            v.metadata({ not: {}, description: whyNoExplode }),
          ),
        ),
      }),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        for (const column of dataset.value.drop)
          if (dataset.value.hash.includes(column))
            addIssue({ message: `${column} is both dropped and hashed` });
      }),
    ),
    { maxDepth: 10, drop: [], hash: [] },
  );

const PERIOD = /^([1-9]\d*)(m|h|d)$/;
const PERIOD_UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;
/** A CloudWatch alarm evaluates at most one day of periods. */
const MAX_ALARM_PERIOD_SECONDS = 86_400;

const periodSeconds = (per: string) => {
  const match = PERIOD.exec(per);
  return match ? Number(match[1]) * PERIOD_UNIT_SECONDS[match[2] as keyof typeof PERIOD_UNIT_SECONDS] : 3600;
};

const EXPECTATION = v.pipe(
  mapping({
    atLeastRecords: integer(1, Number.MAX_SAFE_INTEGER),
    per: text({ pattern: PERIOD, hint: 'a period such as 15m, 1h or 1d' }),
    anomalyDetection: optional(bool(), false),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { per } = dataset.value;
    if (PERIOD.test(per) && periodSeconds(per) > MAX_ALARM_PERIOD_SECONDS)
      problemAt(
        addIssue,
        dataset.value,
        ['per'],
        `${per} is longer than a CloudWatch alarm can evaluate (at most 1d)`,
      );
  }),
);

const COMPACTION = mapping({
  afterDays: optional(integer(1, 365), 2),
  targetFileMB: optional(integer(1, 1024), 128),
  maxFilesPerDay: optional(integer(1, 10_000), 64),
});

interface DeclaredTable {
  readonly keys: readonly string[];
  readonly columns: readonly { readonly name: string }[];
  readonly flatten: { readonly drop: readonly string[] };
}

/** Keys must be declared columns, and may not be dropped. */
function keyProblems(item: DeclaredTable, report: (keys: string[], message: string) => void): void {
  const declared = new Set(item.columns.map((c) => c.name));
  for (const key of item.keys)
    if (!declared.has(key)) report(['keys'], `key ${key} is not a declared column`);
  for (const column of item.flatten.drop)
    if (item.keys.includes(column)) report(['flatten'], `key column ${column} cannot be dropped`);
}

const STREAM = v.pipe(
  mapping({
    name: TABLE_NAME_TEXT,
    description: optional(text()),
    eventTime: optional(COLUMN_NAME_TEXT),
    keys: optional(list(COLUMN_NAME_TEXT), []),
    flatten: flattenSchema(
      'Firehose writes one table per stream, so a stream cannot explode arrays into child tables',
    ),
    columns: COLUMNS,
    expect: optional(EXPECTATION),
    compaction: optional(COMPACTION),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const item = dataset.value;
    const report = (keys: string[], message: string) => problemAt(addIssue, item, keys, message);
    keyProblems(item, report);
    const { eventTime } = item;
    if (eventTime != null) {
      const column = item.columns.find((c) => c.name === eventTime);
      if (!column) report(['eventTime'], `${eventTime} is not a declared column`);
      else if (!['timestamp', 'string', 'bigint'].includes(columnKind(column.type) ?? 'string'))
        report(['eventTime'], `${eventTime} must be a timestamp, string or bigint column`);
    }
  }),
);

const DEMO_KEY = mapping({ name: text(), type: oneOf(['S', 'N', 'B'] as const) });

const DYNAMO_TABLE = v.pipe(
  mapping({
    name: TABLE_NAME_TEXT,
    description: optional(text()),
    keys: optional(list(COLUMN_NAME_TEXT), []),
    flatten: flattenSchema(
      'child tables have no declared columns, so DynamoDB tables keep lists as JSON text instead',
    ),
    columns: COLUMNS,
    demo: optional(mapping({ partitionKey: DEMO_KEY, sortKey: optional(DEMO_KEY) })),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const item = dataset.value;
    const report = (keys: string[], message: string) => problemAt(addIssue, item, keys, message);
    if (item.keys.length < 1 || item.keys.length > 2)
      report(['keys'], 'list the partition key, then the sort key if any');
    keyProblems(item, report);
    for (const column of item.columns) {
      if (
        (CHANGE_METADATA_COLUMNS as readonly string[]).includes(column.name) ||
        column.name === EXTRA_ATTRIBUTES_COLUMN
      )
        report(['columns'], `${column.name} is a metadata column Tributary adds itself`);
    }
    const { demo } = item;
    if (demo) {
      const demoKeys = [demo.partitionKey, ...(demo.sortKey ? [demo.sortKey] : [])].map((k) =>
        normalizeSegment(k.name),
      );
      if (demoKeys.join() !== item.keys.join())
        report(
          ['demo'],
          `the demo table's key attributes must flatten to the keys (${item.keys.join(', ')}), not ${demoKeys.join(', ')}`,
        );
    }
  }),
);

/** RDS exports only names of Latin letters, digits, `$` and `_` table by table. */
const MYSQL_NAME_HINT = 'a MySQL name of letters, digits, $ and _';

const AURORA_TABLE = mapping({
  name: TABLE_NAME_TEXT,
  description: optional(text()),
  source: text({
    pattern: /^[A-Za-z0-9_$]{1,64}\.[A-Za-z0-9_$]{1,64}$/,
    hint: `database.table, each ${MYSQL_NAME_HINT}`,
  }),
  columns: COLUMNS,
});

/**
 * pipeline.yml as a schema: what each entry may hold, and the checks across entries (unique
 * names, transform order, what loads and checks refer to). pipeline.schema.json is generated from
 * it (`npm run pipeline-schema`), so editors check the file as it is written.
 */
export const PIPELINE_SCHEMA = v.pipe(
  mapping({
    database: TABLE_NAME_TEXT,
    streams: optional(list(STREAM), []),
    dynamodb: optional(list(DYNAMO_TABLE), []),
    aurora: optional(list(AURORA_TABLE), []),
    transforms: optional(list(TRANSFORM_SCHEMA), []),
    loads: optional(list(LOAD_SCHEMA), []),
    checks: optional(list(CHECK_SCHEMA), []),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const document = dataset.value;
    const report = (keys: (string | number)[], message: string) =>
      problemAt(addIssue, document, keys, message);
    const ingested = [
      ...document.streams.map((s) => s.name),
      ...document.dynamodb.flatMap((t) => [`${t.name}_changes`, `${t.name}_snapshot`]),
      ...document.aurora.map((t) => t.name),
    ];
    const transforms = document.transforms.map(toTransformSpec);
    for (const problem of duplicates('lake table', [...ingested, ...transforms.map((t) => t.name)]))
      report([], problem);
    for (const problem of duplicates(
      'load',
      document.loads.map((l) => l.name),
    ))
      report([], problem);
    for (const problem of transformLevels(transforms, new Set(ingested)).problems)
      report(['transforms'], problem);
    for (const load of document.loads) {
      if (!transforms.some((t) => t.name === load.transform))
        report(['loads'], `load ${load.name} reads transform ${load.transform}, which is not declared`);
    }
    for (const problem of duplicates(
      'check',
      document.checks.map((c) => c.name),
    ))
      report([], problem);
    const columnsOf = new Map<string, readonly ColumnSpec[] | undefined>([
      ...document.streams.map((s) => [s.name, s.columns.map(checkedColumn)] as const),
      ...document.dynamodb.flatMap((t) => [
        [`${t.name}_changes`, undefined] as const,
        [`${t.name}_snapshot`, undefined] as const,
      ]),
      ...document.aurora.map((t) => [t.name, t.columns.map(checkedColumn)] as const),
      ...transforms.map((t) => [t.name, undefined] as const),
    ]);
    document.checks.forEach((item, index) => {
      checkProblems(toCheckSpec(item), columnsOf, (keys, message) =>
        report(['checks', index, ...keys], message),
      );
    });
  }),
);

export type PipelineDocument = v.InferInput<typeof PIPELINE_SCHEMA>;

export function parsePipeline(document: unknown, source = 'pipeline.yml'): Pipeline {
  const parsed = parseConfig(source, PIPELINE_SCHEMA, document);
  const transforms = parsed.transforms.map(toTransformSpec);
  const ingested = [
    ...parsed.streams.map((s) => s.name),
    ...parsed.dynamodb.flatMap((t) => [`${t.name}_changes`, `${t.name}_snapshot`]),
    ...parsed.aurora.map((t) => t.name),
  ];
  return {
    database: parsed.database,
    streams: parsed.streams.map((stream) => ({
      name: stream.name,
      description: stream.description ?? '',
      eventTime: stream.eventTime ?? undefined,
      keys: stream.keys,
      flatten: toFlattenSpec(stream.flatten),
      columns: stream.columns.map(toColumnSpec),
      expect: stream.expect
        ? {
            atLeastRecords: stream.expect.atLeastRecords,
            periodSeconds: periodSeconds(stream.expect.per),
            anomalyDetection: stream.expect.anomalyDetection,
          }
        : undefined,
      ...(stream.compaction ? { compaction: stream.compaction } : {}),
    })),
    dynamodb: parsed.dynamodb.map((table) => ({
      name: table.name,
      description: table.description ?? '',
      keys: table.keys,
      flatten: toFlattenSpec(table.flatten),
      columns: table.columns.map(toColumnSpec),
      demo: table.demo
        ? table.demo.sortKey
          ? { partitionKey: toKey(table.demo.partitionKey), sortKey: toKey(table.demo.sortKey) }
          : { partitionKey: toKey(table.demo.partitionKey) }
        : undefined,
    })),
    aurora: parsed.aurora.map((table) => {
      const [database = '', name = ''] = table.source.split('.');
      return {
        name: table.name,
        description: table.description ?? '',
        database,
        table: name,
        columns: table.columns.map(toColumnSpec),
      };
    }),
    transforms,
    loads: parsed.loads.map(toLoadSpec),
    checks: parsed.checks.map(toCheckSpec),
    transformLevels: transformLevels(transforms, new Set(ingested)).levels,
  };
}

/** The kind of a column type, or nothing for a type the column's own check reports. */
function columnKind(type: string): string | undefined {
  try {
    return parseColumnType(type).kind;
  } catch (error) {
    if (!(error instanceof ColumnTypeError)) throw error;
    return undefined;
  }
}

/** A column for the checks across entries; a type its own check refuses stands as a string. */
function checkedColumn(column: { name: string; type: string }): ColumnSpec {
  const kind = columnKind(column.type);
  return { name: column.name, type: kind ? parseColumnType(column.type) : { kind: 'string' } };
}

function toColumnSpec(column: { name: string; type: string; comment?: string | null }): ColumnSpec {
  return { name: column.name, type: parseColumnType(column.type), comment: column.comment ?? undefined };
}

function toFlattenSpec(flatten: {
  maxDepth: number;
  drop: readonly string[];
  hash: readonly string[];
}): FlattenSpec {
  return { maxDepth: flatten.maxDepth, drop: flatten.drop, hash: flatten.hash };
}

function toKey(key: { name: string; type: DynamoKeyAttribute['type'] }): DynamoKeyAttribute {
  return { name: key.name, type: key.type };
}

/**
 * A check names a lake table or transform output; on a table whose columns pipeline.yml declares,
 * its columns must exist (a transform's columns come from its SQL, so Athena reports those).
 */
function checkProblems(
  check: CheckSpec,
  columnsOf: ReadonlyMap<string, readonly ColumnSpec[] | undefined>,
  report: (keys: string[], message: string) => void,
): void {
  if (!check.table) return;
  if (!columnsOf.has(check.table)) {
    report(['table'], `${check.table} is not a lake table or transform of the pipeline`);
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
      report([], `${check.table} has no column ${column}`);
  }
  if (rule.kind === 'freshness' && columns) {
    const type = columns.find((c) => c.name === rule.column)?.type.kind;
    if (type && type !== 'timestamp')
      report([], `freshness needs a timestamp column; ${rule.column} is ${type}`);
  }
  if (rule.kind === 'sql') {
    for (const match of rule.sql.matchAll(/\{\{\s*table:\s*([a-z0-9_]+)\s*\}\}/g)) {
      if (!columnsOf.has(match[1]!)) report([], `sql reads {{table:${match[1]}}}, which is not a lake table`);
    }
  }
}

function duplicates(noun: string, names: readonly string[]): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const name of names) {
    if (seen.has(name)) problems.push(`${noun} ${name} is declared twice`);
    seen.add(name);
  }
  return problems;
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

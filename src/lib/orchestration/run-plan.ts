import { createHash } from 'node:crypto';
import { checksForRun } from '../checks/check-run';
import { DynamoLayout } from '../dynamodb/layout';
import { NO_LOADER_DATABASE } from '../loading/config';
import type { LoadMode } from '../loading/types';
import { AuroraExportLayout } from '../pipeline/lake-layout';
import type { Pipeline } from '../pipeline/pipeline';
import { streamRelations } from '../transforms/deduplicate';
import { dateLiteral, qualifiedTable } from '../transforms/sql-template';
import { planTransformRun, type TransformRunOutput } from '../transforms/transform-run';
import type { RecomputedDay } from './late-data';
import type { RunInput, TransformRunRequest } from './run-input';

/** Where the stage's data and queries live; from the Lambda's environment (or the local runner). */
export interface RunSettings {
  readonly database: string;
  /** Where the loads' queries run: the workgroup whose configuration is enforced. */
  readonly workGroup: string;
  /** Where the transforms' CTAS and INSERT INTO run: a CTAS may name its location only there. */
  readonly transformWorkGroup: string;
  readonly lakeBucket: string;
  readonly rawBucket: string;
  readonly dynamodbExports: ReadonlyArray<{ readonly table: string; readonly tableArn: string }>;
  readonly auroraExport: AuroraExportSettings | undefined;
  /** Whether the stage has a BI database for the loader (the loaderSecretArn param, or a local one). */
  readonly loaderDatabase: boolean;
}

export interface AuroraExportSettings {
  readonly clusterArn: string;
  readonly roleArn: string;
  readonly kmsKeyArn: string;
  /** `tributary-<stage>`: the export task of day D is `<prefix>-D`. */
  readonly identifierPrefix: string;
  /** `database` or `database.table` names to export; all when empty. */
  readonly exportOnly: readonly string[];
}

/** Athena StartQueryExecution parameters, ready for the state machine to pass on. */
export interface AthenaQuery {
  readonly QueryString: string;
  readonly WorkGroup: string;
  readonly QueryExecutionContext: { readonly Database: string };
}

export interface DynamoExport {
  readonly table: string;
  /** The run's last day, whose end the export shows. */
  readonly day: string;
  /** ExportTableToPointInTime parameters. */
  readonly request: {
    readonly TableArn: string;
    readonly S3Bucket: string;
    readonly S3Prefix: string;
    readonly ExportFormat: 'DYNAMODB_JSON';
    readonly ExportTime: string;
    readonly ClientToken: string;
  };
}

export interface AuroraExport {
  /** StartExportTask parameters. */
  readonly request: {
    readonly ExportTaskIdentifier: string;
    readonly SourceArn: string;
    readonly S3BucketName: string;
    readonly S3Prefix: string;
    readonly IamRoleArn: string;
    readonly KmsKeyId: string;
    readonly ExportOnly?: readonly string[];
  };
}

/**
 * One transform of the run, planned when its turn comes (the `Plan transform` state): its CTAS and
 * INSERT INTO statements stay out of the run's plan, which would otherwise outgrow Step Functions'
 * 256 KiB payload quota with a hundred or so transforms.
 */
export interface PlannedTransform {
  /** What publishing or discarding the run's output needs. */
  readonly run: TransformRunOutput;
  /** The CTAS, then each INSERT INTO chunk, as StartQueryExecution parameters. */
  readonly queries: readonly AthenaQuery[];
}

export interface PlannedLoad {
  readonly load: string;
  readonly transform: string;
  readonly table: string;
  readonly mode: LoadMode;
  readonly keys: readonly string[];
  readonly allowEmpty: boolean;
  readonly query: AthenaQuery;
}

/** Everything one execution of the daily pipeline does, decided up front by the plan step. */
export interface PipelineRunPlan {
  readonly runId: string;
  readonly from: string;
  readonly to: string;
  readonly exports: {
    readonly enabled: boolean;
    readonly dynamodb: readonly DynamoExport[];
    readonly aurora: readonly AuroraExport[];
  };
  /**
   * Names of the transforms to run, by level: levels run one after another, the transforms of a
   * level in parallel. Each is planned in full (planTransform) only when it runs.
   */
  readonly transformLevels: readonly (readonly string[])[];
  /**
   * Days before the run's own that incremental transforms compute again, and why (late data in
   * their sources); each `Plan transform` step takes its own from this list.
   */
  readonly recomputed: readonly RecomputedDay[];
  /** Names of the data checks to run after the transforms; each is planned (planCheck) when it runs. */
  readonly checks: readonly string[];
  /** The loads to run; empty when `loading` says they are skipped. */
  readonly loads: readonly PlannedLoad[];
  /** Whether the Load tables step runs, and if not, why and which loads it leaves out. */
  readonly loading: Loading;
}

export type Loading =
  | { readonly enabled: true }
  | { readonly enabled: false; readonly reason: string; readonly skipped: readonly string[] };

const DAY_MS = 86_400_000;
/** DynamoDB can export up to about five minutes ago; keep well clear of it. */
const EXPORT_LAG_MS = 15 * 60_000;

/** `2026-11-21T00:00:00.000Z` → `20261121T000000Z`, the form export prefixes use. */
export function compactTime(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Exports show the table at the end of the run's last day, or a little before now if that is later. */
function exportTime(to: string, startTime: string): string {
  const endOfDay = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
  const latest = Date.parse(startTime) - EXPORT_LAG_MS;
  return new Date(Math.min(endOfDay, latest)).toISOString().replace(/\.\d{3}Z$/, '.000Z');
}

/**
 * A client token that is a function of every parameter of the request: DynamoDB refuses a token
 * reused with other parameters within 8 hours, and a run of today asks for a time and prefix that
 * move with its start, so the same day may be asked for twice with different requests.
 */
export function exportClientToken(
  table: string,
  day: string,
  request: Omit<DynamoExport['request'], 'ClientToken'>,
): string {
  const parameters = [
    request.TableArn,
    request.S3Bucket,
    request.S3Prefix,
    request.ExportFormat,
    request.ExportTime,
  ].join('\n');
  return `${table}-${day}-${createHash('sha256').update(parameters).digest('hex').slice(0, 16)}`;
}

function query(sql: string, workGroup: string, settings: RunSettings): AthenaQuery {
  return {
    QueryString: sql,
    WorkGroup: workGroup,
    QueryExecutionContext: { Database: settings.database },
  };
}

export function planPipelineRun(
  pipeline: Pipeline,
  input: RunInput,
  execution: { readonly name: string; readonly startTime: string },
  settings: RunSettings,
  recomputed: readonly RecomputedDay[] = [],
): PipelineRunPlan {
  const selected = (name: string) => input.transforms === undefined || input.transforms.includes(name);
  const transformLevels = pipeline.transformLevels
    .map((level) => level.filter(selected))
    .filter((level) => level.length > 0);

  const ran = new Set(transformLevels.flat());
  const wanted = pipeline.loads.filter((load) => ran.has(load.transform));
  const skipReason = !input.loads
    ? 'the execution input asked for no loads'
    : !settings.loaderDatabase
      ? NO_LOADER_DATABASE
      : wanted.length === 0
        ? 'no load reads the transforms this run ran'
        : undefined;
  const loads =
    skipReason === undefined
      ? wanted.map((load): PlannedLoad => {
          const transform = pipeline.transforms.find((t) => t.name === load.transform)!;
          // recomputed days are read again too, so merging them converges the BI table
          const late = recomputed
            .filter((r) => r.transform === transform.name)
            .map((r) => dateLiteral(r.day));
          const days =
            transform.mode === 'incremental'
              ? ` WHERE dt BETWEEN ${dateLiteral(input.from)} AND ${dateLiteral(input.to)}${
                  late.length > 0 ? ` OR dt IN (${late.join(', ')})` : ''
                }`
              : '';
          return {
            load: load.name,
            transform: load.transform,
            table: load.table,
            mode: load.mode,
            keys: load.keys,
            allowEmpty: load.allowEmpty,
            query: query(
              `SELECT * FROM ${qualifiedTable(settings.database, transform.name)}${days}`,
              settings.workGroup,
              settings,
            ),
          };
        })
      : [];
  const loading: Loading =
    skipReason === undefined
      ? { enabled: true }
      : { enabled: false, reason: skipReason, skipped: wanted.map((load) => load.name) };

  const time = exportTime(input.to, execution.startTime);
  const dynamodb = settings.dynamodbExports.map(({ table, tableArn }): DynamoExport => {
    const request = {
      TableArn: tableArn,
      S3Bucket: settings.rawBucket,
      S3Prefix: DynamoLayout.exportPrefix(table, input.to, compactTime(time)),
      ExportFormat: 'DYNAMODB_JSON' as const,
      ExportTime: time,
    };
    // the same request asked for twice within DynamoDB's 8-hour window is the same export
    return {
      table,
      day: input.to,
      request: { ...request, ClientToken: exportClientToken(table, input.to, request) },
    };
  });
  const aurora = settings.auroraExport
    ? [
        {
          request: {
            ExportTaskIdentifier: AuroraExportLayout.exportIdentifier(
              settings.auroraExport.identifierPrefix,
              input.to,
            ),
            SourceArn: settings.auroraExport.clusterArn,
            S3BucketName: settings.rawBucket,
            S3Prefix: AuroraExportLayout.prefix(input.to),
            IamRoleArn: settings.auroraExport.roleArn,
            KmsKeyId: settings.auroraExport.kmsKeyArn,
            ...(settings.auroraExport.exportOnly.length > 0
              ? { ExportOnly: settings.auroraExport.exportOnly }
              : {}),
          },
        },
      ]
    : [];
  return {
    runId: execution.name,
    from: input.from,
    to: input.to,
    exports: { enabled: input.exports && dynamodb.length + aurora.length > 0, dynamodb, aurora },
    transformLevels,
    recomputed: recomputed.filter((r) => ran.has(r.transform)),
    checks: checksForRun(pipeline, ran),
    loads,
    loading,
  };
}

/** Plans one transform of a run: the same statements whichever time or place it is asked. */
export function planTransform(
  pipeline: Pipeline,
  request: TransformRunRequest,
  settings: RunSettings,
  /** When the step runs: recorded as the computed time of the days it writes. */
  plannedAt?: string,
): PlannedTransform {
  const spec = pipeline.transforms.find((t) => t.name === request.transform);
  if (!spec) throw new Error(`${request.transform} is not a transform of the pipeline`);
  const { statements, ...run } = planTransformRun(spec, {
    runId: request.runId,
    database: settings.database,
    lakeBucket: settings.lakeBucket,
    from: request.from,
    to: request.to,
    recompute: (request.recomputed ?? []).filter((r) => r.transform === spec.name).map((r) => r.day),
    ...(plannedAt ? { plannedAt } : {}),
    // rewritten days read their generation; a record delivered twice is read once per key and day
    relations: streamRelations(pipeline, settings.database),
  });
  return { run, queries: statements.map((sql) => query(sql, settings.transformWorkGroup, settings)) };
}

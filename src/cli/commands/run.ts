import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { DynamoDBRecord } from 'aws-lambda';
import { ConfigError } from '../../lib/config/reader';
import { type LoaderConfig, readLoaderConfig } from '../../lib/loading/config';
import { describeConnection } from '../../lib/loading/connection';
import { databaseOf } from '../../lib/loading/databases/registry';
import { describeTableChange } from '../../lib/loading/table-change';
import type { StreamSource } from '../../lib/local/ingest-streams';
import { refuseUnreadableTypeChanges } from '../../lib/local/lake-types';
import {
  checkLocalRoot,
  DEFAULT_LOCAL_ROOT,
  LOCAL_ROOT_MARKER,
  type LocalEnvironment,
  LocalRootError,
  localEnvironment,
  markLocalRoot,
  resetLocalRoot,
} from '../../lib/local/local-environment';
import { loadLocalHandlers, localDynamoTableArn } from '../../lib/local/local-handlers';
import type { LocalRecords } from '../../lib/local/local-ingestion';
import { type LocalRunSummary, type ProgressEvent, runLocalPipeline } from '../../lib/local/local-pipeline';
import { createLocalRoot } from '../../lib/local/local-root';
import {
  captureWarning,
  failedChanges,
  failureReasons,
  quarantinedOf,
  quarantineReasons,
  streamWarning,
} from '../../lib/local/source-warnings';
import { generatedClickstream, ndjsonRecords, streamRecordsOf } from '../../lib/local/sources';
import { isDay, readRunInput } from '../../lib/orchestration/run-input';
import { SCAN_TABLE_HEADER, scanBudgetLine, scanTableRows } from '../../lib/orchestration/scan-budget';
import { type ParquetCodec, zstdAvailable } from '../../lib/parquet/parquet-writer';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { LakeLayout } from '../../lib/pipeline/lake-layout';
import type { Pipeline } from '../../lib/pipeline/pipeline';
import { renderRunReport } from '../../lib/run-report/run-report';
import { endStates, failedStep, retriesByState } from '../../lib/run-report/step-tally';
import { CLICKSTREAM_DEFAULTS } from '../../lib/samples/clickstream';
import { changesFromColumns, eventsFromColumns } from '../../lib/samples/declared-columns';
import { SOURCE_KINDS } from '../../lib/sources/registry';
import type { SourceKindName, SourceSpecs } from '../../lib/sources/source-kind';
import { dailyPipelineDefinition } from '../../lib/standins/stepfunctions/local-state-machine';
import { SAMPLES_DIRECTORY } from '../../lib/util/project-paths';
import { checkOutcomeLines } from '../check-outcome';
import { type CommandIo, counted, formatTable, UsageError, writeLine } from '../io';

/** The day the shipped samples happened; the local run's default date. */
export const SAMPLE_DAY = new Date(CLICKSTREAM_DEFAULTS.start).toISOString().slice(0, 10);

/** The seed of --late events, so their ids differ from the events an earlier run generated. */
const LATE_EVENTS_SEED = 7;

export const RUN_HELP = `Usage: tributary run [--date YYYY-MM-DD] [--events N] [--late N] [--root DIR] [--codec snappy|zstd] [--scan-budget BYTES] [--keep] [--verbose]

Runs the whole pipeline on this machine, on the same handlers and state machine definition that
run in AWS, with embedded stand-ins: local files for S3 under the local root, an in-process
Firehose calling the transform Lambda, DynamoDB stream batches through the stream Lambda with S3
notifications to the flattener, DuckDB for Athena, and the daily state machine run by a local
interpreter. The loader writes to TRIBUTARY_MYSQL_URL or TRIBUTARY_POSTGRES_URL when set, else to
an embedded DuckDB database in the local root. A self-contained HTML report is written at the end.

  --date D       the day the daily pipeline runs for (default ${SAMPLE_DAY}, the samples' day)
  --events N     send N generated clickstream events on that day instead of the shipped samples
  --late N       also send N generated clickstream events dated the day before: with --keep after a
                 run for that day, they are late data, and the run recomputes that day and says why
  --root DIR     local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT}); a run clears it, so
                 it must be new, empty or an earlier run's (marked ${LOCAL_ROOT_MARKER})
  --codec C      Parquet compression of ingested data: snappy (default) or zstd (Node 22.15+)
  --scan-budget B  stop the run before its next Athena query once its queries billed B bytes, as a
                 stage's runScanBudgetBytes param does (default: no budget)
  --keep         keep the data of earlier runs in the local root (default: start afresh)
  --verbose      show the Lambda handlers' own logs`;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Records generated for a stream or DynamoDB table of pipeline.yml that has no sample file. */
export const GENERATED_SAMPLE_RECORDS = 100;
/** Run reports kept under <root>/reports/; older ones are removed after each run. */
export const KEPT_RUN_REPORTS = 10;

async function* concatenated<T>(...sources: Array<AsyncIterable<T> | Iterable<T>>): AsyncGenerator<T> {
  for (const source of sources) yield* source;
}

/** What `tributary run` reads or generates every source's records from. */
interface SampleContext {
  readonly date: string;
  /** --events: that many generated clickstream events instead of its sample file. */
  readonly events: number | undefined;
  /** --late: that many clickstream events of the day before, sent too. */
  readonly late: number;
  readonly environment: LocalEnvironment;
  readonly io: CommandIo;
  /** Sample files not found, for the run to say it generated records instead. */
  readonly missingSamples: string[];
}

/**
 * Each kind's records for one source in `tributary run`: its sample file in samples/, or records
 * generated from its columns. A new kind in SourceSpecs fails to compile here until it has some.
 */
const SAMPLE_RECORDS: {
  readonly [K in SourceKindName]: (spec: SourceSpecs[K], samples: SampleContext) => LocalRecords<K>;
} = {
  stream: (stream, { date, events, late, io, missingSamples }) => {
    const dayBefore = Date.parse(`${date}T00:00:00Z`) - 86_400_000;
    const file = join(SAMPLES_DIRECTORY, `${stream.name}.ndjson`);
    const own = (): StreamSource['records'] => {
      if (events !== undefined && stream.name === 'clickstream')
        return generatedClickstream(events, Date.parse(`${date}T00:00:00Z`));
      if (existsSync(file))
        return ndjsonRecords(file, (problem) =>
          writeLine(
            io.stderr,
            `note: ${relative(io.cwd, problem.path)} line ${problem.line} is not valid UTF-8; the transform fails that record (processing-failed)`,
          ),
        );
      missingSamples.push(relative(io.cwd, file));
      return eventsFromColumns(stream, date, GENERATED_SAMPLE_RECORDS);
    };
    const records =
      stream.name === 'clickstream' && late > 0
        ? // another seed: late events are other events than the ones the earlier run sent
          concatenated(own(), generatedClickstream(late, dayBefore, LATE_EVENTS_SEED))
        : own();
    return { stream: stream.name, records };
  },
  dynamodb: (table, { date, environment, missingSamples, io }) => {
    const file = join(SAMPLES_DIRECTORY, `${table.name}-stream.ndjson`);
    if (existsSync(file)) return { table: table.name, records: streamRecordsOf(file) };
    missingSamples.push(relative(io.cwd, file));
    const streamArn = `${localDynamoTableArn(environment, table.name)}/stream/${date}T00:00:00.000`;
    return {
      table: table.name,
      records: changesFromColumns(
        table,
        date,
        GENERATED_SAMPLE_RECORDS,
        streamArn,
      ) as Iterable<DynamoDBRecord>,
    };
  },
};

/** The records of every source of one kind, in pipeline.yml's order. */
function samplesOf<K extends SourceKindName>(
  kind: K,
  pipeline: Pipeline,
  samples: SampleContext,
): LocalRecords<K>[] {
  const records = SAMPLE_RECORDS[kind] as (spec: SourceSpecs[K], samples: SampleContext) => LocalRecords<K>;
  return SOURCE_KINDS[kind].specs(pipeline).map((spec) => records(spec, samples));
}

export async function runCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      date: { type: 'string', default: SAMPLE_DAY },
      events: { type: 'string' },
      late: { type: 'string' },
      root: { type: 'string' },
      codec: { type: 'string', default: 'snappy' },
      'scan-budget': { type: 'string' },
      keep: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, RUN_HELP);
    return 0;
  }
  const events = values.events === undefined ? undefined : Number(values.events);
  if (events !== undefined && (!Number.isSafeInteger(events) || events < 0)) {
    throw new UsageError(`--events must be a whole number, got ${values.events}`);
  }
  const late = values.late === undefined ? 0 : Number(values.late);
  if (!Number.isSafeInteger(late) || late < 0) {
    throw new UsageError(`--late must be a whole number, got ${values.late}`);
  }
  if (values.codec !== 'snappy' && values.codec !== 'zstd')
    throw new UsageError('--codec must be snappy or zstd');
  const scanBudget = values['scan-budget'] === undefined ? undefined : Number(values['scan-budget']);
  if (scanBudget !== undefined && (!Number.isSafeInteger(scanBudget) || scanBudget < 1)) {
    throw new UsageError(`--scan-budget must be a whole number of bytes, got ${values['scan-budget']}`);
  }
  const date = values.date;
  if (!DAY.test(date) || !isDay(date))
    throw new UsageError(`--date must be a day as YYYY-MM-DD, got ${date}: not a day of the calendar`);

  if (values.codec === 'zstd' && !zstdAvailable()) {
    throw new UsageError(
      `--codec zstd needs Node 22.15 or later (zlib zstd); this is Node ${process.versions.node}: use --codec snappy`,
    );
  }

  // everything is checked before the local root is touched: a mistake leaves earlier runs' data alone
  const pipeline = bundledPipeline();
  const environment = localEnvironment(values.root, pipeline.database);
  await checkLocalRoot(environment).catch((error: unknown) => {
    throw error instanceof LocalRootError ? new UsageError(error.message) : error;
  });
  await refuseUnreadableTypeChanges(environment, pipeline);
  const loader = readLoaderConfig({ ...process.env, TRIBUTARY_LOCAL_ROOT: environment.root });
  refuseUnplannableDay(date, pipeline, environment);
  const missingSamples: string[] = [];
  const samples: SampleContext = { date, events, late, environment, io, missingSamples };
  const streams = samplesOf('stream', pipeline, samples);
  const dynamodb = samplesOf('dynamodb', pipeline, samples);

  writeLine(io.stdout, `Tributary local run for ${date} in ${environment.root}`);
  writeLine(io.stdout, `Loads go to ${loadDestination(loader, io.cwd)}`);
  for (const file of missingSamples) {
    writeLine(
      io.stdout,
      `No ${file}: sending ${GENERATED_SAMPLE_RECORDS} records generated from its columns in pipeline.yml`,
    );
  }
  await createLocalRoot(environment.root);
  await markLocalRoot(environment);
  if (!values.keep) await resetLocalRoot(environment);
  if (events === undefined && date !== SAMPLE_DAY) {
    writeLine(
      io.stderr,
      `note: the shipped samples are from ${SAMPLE_DAY}; use --events N to generate data for ${date}`,
    );
  }
  const handlers = await loadLocalHandlers(environment, pipeline, {
    verbose: values.verbose,
    ...(scanBudget === undefined ? {} : { scanBudgetBytes: scanBudget }),
  });
  if (handlers.usedDevelopmentHashKey) {
    writeLine(io.stderr, 'note: TRIBUTARY_HASH_KEY is not set; hashing with the local development key');
  }

  const progress = progressPrinter(io);
  const summary = await runLocalPipeline(environment, pipeline, handlers, {
    date,
    streams,
    dynamodb,
    codec: values.codec as ParquetCodec,
    onProgress: progress,
  });
  progress.finish();
  const loadedInto = loadDestination(loader, io.cwd);
  printRunSummary(io, environment, summary, loadedInto);
  const reports = join(environment.root, 'reports');
  const report = join(reports, `${summary.executionName}.html`);
  await mkdir(reports, { recursive: true });
  await writeFile(
    report,
    await renderRunReport(summary, {
      definition: dailyPipelineDefinition(),
      pipeline,
      root: environment.root,
      lakeBucket: environment.lakeBucket,
      rawBucket: environment.rawBucket,
      loadDestination: loadedInto,
    }),
  );
  await pruneReports(reports, KEPT_RUN_REPORTS);
  writeLine(
    io.stdout,
    `\nRun report: ${shownPath(io.cwd, report)} (the last ${KEPT_RUN_REPORTS} runs' reports are kept in ${shownPath(io.cwd, reports)})`,
  );
  return summary.execution.status === 'SUCCEEDED' ? 0 : 1;
}

/**
 * The day as the state machine's `Plan run` will read it, with the same rules (a day of the
 * calendar, from lakeStartDate through today), so a day it would refuse is refused before
 * anything is ingested or cleared.
 */
function refuseUnplannableDay(date: string, pipeline: Pipeline, environment: LocalEnvironment): void {
  try {
    readRunInput(
      { date },
      new Date().toISOString(),
      pipeline.transforms.map((t) => t.name),
      environment.lakeStartDate,
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(`--date ${date}: ${error.problems.join('; ')}`);
  }
}

function shownPath(cwd: string, path: string): string {
  const shown = relative(cwd, path);
  return shown === '' || shown.startsWith('..') ? path : shown;
}

/** Where the loader writes: the embedded warehouse file, or the server's URL without its password. */
function loadDestination(config: LoaderConfig, cwd: string): string {
  const { target } = config;
  if (target.kind === 'secret') return `the database of secret ${target.secretId}`;
  if (target.kind === 'none') return 'no database: loads are skipped';
  const connection = target.connection;
  return 'path' in connection
    ? `the embedded ${databaseOf(connection.dialect).label} warehouse ${shownPath(cwd, connection.path)}`
    : describeConnection(connection);
}

/** Keeps the newest `keep` reports (by modification time) and removes the rest. */
async function pruneReports(directory: string, keep: number): Promise<void> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.html'));
  const dated = await Promise.all(
    names.map(async (name) => ({ name, time: (await stat(join(directory, name))).mtimeMs })),
  );
  dated.sort((a, b) => b.time - a.time || b.name.localeCompare(a.name));
  await Promise.all(dated.slice(keep).map(({ name }) => rm(join(directory, name), { force: true })));
}

/**
 * Progress on stderr: on a terminal one line per ingest and capture stage, rewritten in place at
 * most every 200 ms; elsewhere (CI logs) a line every 5 s. A stage's last state is always shown
 * when it ends, so progress agrees with the summary. Each finished state machine step gets a line
 * of its own, naming the transform or table it worked on.
 */
function progressPrinter(io: CommandIo): ((event: ProgressEvent) => void) & { finish(): void } {
  const terminal = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const interval = terminal ? 200 : 5_000;
  let open: string | undefined;
  let latest = '';
  let shown = true;
  let lastWrite = 0;
  const shownErrors = new Set<string>();
  const endLine = () => {
    if (open === undefined) return;
    if (!shown) io.stderr.write(terminal ? `\r${latest}\n` : `${latest}\n`);
    else if (terminal) io.stderr.write('\n');
    open = undefined;
  };
  const print = (event: ProgressEvent) => {
    if (event.kind === 'step') {
      endLine();
      const { step } = event;
      const seconds = ((step.endedAt - step.startedAt) / 1000).toFixed(2);
      // a failure travels out through every enclosing state: its error is shown the first time only
      const error =
        step.error === undefined ? '' : shownErrors.has(step.error) ? ' (the error above)' : ` ${step.error}`;
      if (step.error !== undefined) shownErrors.add(step.error);
      writeLine(
        io.stderr,
        `step ${step.state}${step.subject ? ` (${step.subject})` : ''}: ${step.outcome} (${seconds} s)${error}`,
      );
      return;
    }
    const key = `${event.kind} ${event.kind === 'ingest' ? event.stream : event.table}`;
    if (key !== open) {
      endLine();
      open = key;
      lastWrite = 0;
    }
    latest =
      event.kind === 'ingest'
        ? `ingest ${event.stream}: ${event.stats.recordsIn} records sent, ${event.stats.rowsWritten} rows in ${event.stats.parquetFiles.length} Parquet files`
        : `capture ${event.table}: ${event.stats.changes} changes, ${event.stats.changeFiles} change files flattened`;
    shown = false;
    const now = Date.now();
    if (now - lastWrite < interval) return;
    lastWrite = now;
    shown = true;
    io.stderr.write(terminal ? `\r${latest}` : `${latest}\n`);
  };
  return Object.assign(print, { finish: endLine });
}

export function printRunSummary(
  io: CommandIo,
  {
    root,
    lakeBucket,
    rawBucket,
    resultsBucket,
  }: Pick<LocalEnvironment, 'root' | 'lakeBucket' | 'rawBucket' | 'resultsBucket'>,
  summary: LocalRunSummary,
  loadedInto?: string,
): void {
  const out = (text = '') => writeLine(io.stdout, text);
  out();
  out('Ingested');
  for (const [stream, stats] of summary.streams) {
    const failed = stats.processingFailed + stats.conversionFailed + stats.activePartitionExceeded;
    out(
      `  ${stream}: ${counted(stats.recordsIn, 'record')} in, ${counted(stats.rowsWritten, 'row')} in ${counted(stats.parquetFiles.length, 'Parquet file')}, ${failed} failed` +
        (stats.reingested ? `, ${stats.reingested} re-ingested` : ''),
    );
    const warning = streamWarning(stream, stats);
    if (warning) out(`    warning: ${warning}`);
    if (failed > 0) {
      out(
        `    failed records wait for a replay under ${join(root, lakeBucket, LakeLayout.firehoseErrors(stream))}` +
          ` (processing-failed: ${stats.processingFailed}, format-conversion-failed: ${stats.conversionFailed}, activePartitionExceeded: ${stats.activePartitionExceeded})`,
      );
      for (const reason of failureReasons(stats)) out(`      why: ${reason}`);
    }
    if (stats.eventTimeOutOfRange > 0) {
      out(
        `    ${stats.eventTimeOutOfRange} records dated outside the days the lake serves (${summary.lakeStartDate} to today, UTC), filed under their arrival time with event_time as sent`,
      );
    }
    if (stats.undeclaredColumns.size > 0) {
      const columns = [...stats.undeclaredColumns].map(([name, count]) => `${name} (${count})`).join(', ');
      out(`    columns not in pipeline.yml, left out of Parquet: ${columns}`);
      out(
        `    next: tributary schema diff --table ${stream} ${join(root, rawBucket, LakeLayout.firehoseBackup(stream))} prints the lines to add to pipeline.yml`,
      );
    }
  }
  for (const [table, stats] of summary.captures) {
    const failed = failedChanges(table, stats, summary.quarantined);
    out(
      `  ${table} (DynamoDB): ${counted(stats.changes, 'change')} in ${counted(stats.changeFiles, 'change file')}, ${failed} failed`,
    );
    const warning = captureWarning(table, stats, failed);
    if (warning) out(`    warning: ${warning}`);
    for (const parked of stats.parked) {
      out(
        `    ${counted(parked.changes, 'change')} parked in the raw bucket at ${parked.key} (${parked.reason}); tributary replay sends them again`,
      );
    }
    for (const quarantine of quarantinedOf(table, summary.quarantined)) {
      out(`    ${counted(quarantine.lines, 'line')} quarantined in ${join(root, rawBucket, quarantine.key)}`);
      for (const reason of quarantineReasons(quarantine)) out(`      why: ${reason}`);
    }
  }
  const captured = new Set(
    [...summary.captures.keys()].flatMap((t) => quarantinedOf(t, summary.quarantined)),
  );
  for (const quarantine of summary.quarantined.filter((q) => !captured.has(q))) {
    out(`    ${counted(quarantine.lines, 'line')} quarantined in ${join(root, rawBucket, quarantine.key)}`);
  }

  out();
  out(`Daily pipeline ${summary.executionName}: ${summary.execution.status}`);
  const failed =
    summary.execution.status === 'FAILED'
      ? failedStep(summary.execution.steps, endStates(dailyPipelineDefinition()))
      : undefined;
  // the alert carries the error (and names the step when no task failed): without one, say it here
  const alerted = summary.notifications.length > 0;
  if (failed) {
    const error = !alerted && failed.error ? `: ${failed.error}` : '';
    out(`  failed step: ${failed.state}${failed.subject ? ` (${failed.subject})` : ''}${error}`);
  } else if (summary.execution.error && !alerted) {
    out(`  ${summary.execution.error.name}: ${summary.execution.error.cause}`);
  }
  for (const message of summary.notifications) out(`  alert: ${message}`);
  const retries = retriesByState(summary.execution.steps);
  if (retries.length > 0) {
    out(`  retries: ${retries.map(([state, count]) => `${state} ${count}`).join(', ')}`);
  }
  for (const { transform, day, reason } of summary.recomputed) {
    out(`  recomputed ${transform} dt=${day}: ${reason}`);
  }
  for (const outcome of summary.published) {
    // a full transform is rebuilt whole, not by day
    const what = outcome.days === 0 ? 'rebuilt in full' : counted(outcome.days, 'day');
    out(`  published ${outcome.target}: ${what}, ${counted(outcome.files, 'file')}`);
  }
  for (const check of summary.checks) {
    for (const line of checkOutcomeLines(check)) out(`  ${line}`);
    if (!check.passed)
      out(`    every failing row: ${join(root, resultsBucket, `${check.queryExecutionId}.csv`)}`);
  }
  for (const { table, note } of summary.exports) out(`  ${table} ${note}`);
  for (const held of summary.heldBack) {
    out(
      `  ${held.transform ? `transform ${held.transform}` : `load ${held.load}`} held back: ${held.reason}`,
    );
  }
  for (const blocked of summary.blockedLoads) {
    out(`  load ${blocked.load} skipped: failed check ${blocked.checks.join(', ')}`);
  }
  for (const load of summary.loads) {
    out(`  loaded ${load.table} (${load.mode}): ${load.rows} rows${describeTableChange(load)}`);
  }
  if (summary.skippedLoads) {
    const { reason, skipped } = summary.skippedLoads;
    out(`  loads skipped: ${reason}${skipped.length > 0 ? ` (${skipped.join(', ')})` : ''}`);
  }
  if (summary.loads.length > 0 && loadedInto) out(`  loads went to ${loadedInto}`);

  out();
  out('Lake tables');
  out(
    formatTable(
      ['table', 'rows', 'partitions'],
      summary.tables.map((t) => [t.table, t.rows, t.partitions]),
    ).replace(/^/gm, '  '),
  );
  out();
  out('Athena scans (bytes Athena would bill, estimated from the Parquet column chunks each query read)');
  out(`  ${scanBudgetLine(summary.scans)}`);
  if (summary.scans.queries > 0)
    out(formatTable([...SCAN_TABLE_HEADER], scanTableRows(summary.scans)).replace(/^/gm, '  '));
  out();
  out(`Time: ${summary.timings.map(([stage, seconds]) => `${stage} ${seconds.toFixed(1)} s`).join(', ')}`);
}

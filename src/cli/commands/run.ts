import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { DynamoDBRecord } from 'aws-lambda';
import { LOCAL_WAREHOUSE_FILE } from '../../lib/loading/config';
import type { StreamSource } from '../../lib/local/ingest-streams';
import { DEFAULT_LOCAL_ROOT, localEnvironment, resetLocalRoot } from '../../lib/local/local-environment';
import { loadLocalHandlers } from '../../lib/local/local-handlers';
import { type LocalRunSummary, type ProgressEvent, runLocalPipeline } from '../../lib/local/local-pipeline';
import { SAMPLES_DIRECTORY } from '../../lib/local/project-paths';
import { retriesByState } from '../../lib/local/report/step-tally';
import { renderRunReport } from '../../lib/local/run-report';
import { generatedClickstream, ndjsonRecords } from '../../lib/local/sources';
import { dailyPipelineDefinition } from '../../lib/orchestration/local-state-machine';
import type { ParquetCodec } from '../../lib/parquet/parquet-writer';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { LakeLayout } from '../../lib/pipeline/lake-layout';
import { CLICKSTREAM_DEFAULTS } from '../../lib/samples/clickstream';
import { type CommandIo, formatTable, UsageError, writeLine } from '../io';

/** The day the shipped samples happened; the local run's default date. */
export const SAMPLE_DAY = new Date(CLICKSTREAM_DEFAULTS.start).toISOString().slice(0, 10);

export const RUN_HELP = `Usage: tributary run [--date YYYY-MM-DD] [--events N] [--root DIR] [--codec snappy|zstd] [--keep] [--verbose]

Runs the whole pipeline on this machine, on the same handlers and state machine definition that
run in AWS, with embedded stand-ins: local files for S3 under the local root, an in-process
Firehose calling the transform Lambda, DynamoDB stream batches through the stream Lambda with S3
notifications to the flattener, DuckDB for Athena, and the daily state machine run by a local
interpreter. The loader writes to TRIBUTARY_MYSQL_URL or TRIBUTARY_POSTGRES_URL when set, else to
an embedded DuckDB database in the local root. A self-contained HTML report is written at the end.

  --date D       the day the daily pipeline runs for (default ${SAMPLE_DAY}, the samples' day)
  --events N     send N generated clickstream events on that day instead of the shipped samples
  --root DIR     local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT})
  --codec C      Parquet compression of ingested data: snappy (default) or zstd (Node 22.15+)
  --keep         keep the data of earlier runs in the local root (default: start afresh)
  --verbose      show the Lambda handlers' own logs`;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

async function* streamRecords(path: string): AsyncGenerator<DynamoDBRecord> {
  for await (const line of ndjsonRecords(path)) yield JSON.parse(line.toString('utf8')) as DynamoDBRecord;
}

export async function runCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      date: { type: 'string', default: SAMPLE_DAY },
      events: { type: 'string' },
      root: { type: 'string' },
      codec: { type: 'string', default: 'snappy' },
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
  if (values.codec !== 'snappy' && values.codec !== 'zstd')
    throw new UsageError('--codec must be snappy or zstd');
  const date = values.date;
  if (!DAY.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new UsageError(`--date must be a day as YYYY-MM-DD, got ${date}`);
  }

  const pipeline = bundledPipeline();
  const environment = localEnvironment(values.root, pipeline.database);
  writeLine(io.stdout, `Tributary local run for ${date} in ${environment.root}`);
  if (!values.keep) await resetLocalRoot(environment);
  if (events === undefined && date !== SAMPLE_DAY) {
    writeLine(
      io.stderr,
      `note: the shipped samples are from ${SAMPLE_DAY}; use --events N to generate data for ${date}`,
    );
  }
  const handlers = await loadLocalHandlers(environment, pipeline, { verbose: values.verbose });
  if (handlers.usedDevelopmentHashKey) {
    writeLine(io.stderr, 'note: TRIBUTARY_HASH_KEY is not set; hashing with the local development key');
  }

  const streams: StreamSource[] = pipeline.streams.map((stream) => ({
    stream: stream.name,
    records:
      events !== undefined && stream.name === 'clickstream'
        ? generatedClickstream(events, Date.parse(`${date}T00:00:00Z`))
        : ndjsonRecords(join(SAMPLES_DIRECTORY, `${stream.name}.ndjson`)),
  }));
  const dynamodb = pipeline.dynamodb.map((table) => ({
    table: table.name,
    records: streamRecords(join(SAMPLES_DIRECTORY, `${table.name}-stream.ndjson`)),
  }));
  const summary = await runLocalPipeline(environment, pipeline, handlers, {
    date,
    streams,
    dynamodb,
    codec: values.codec as ParquetCodec,
    onProgress: progressPrinter(io),
  });
  printRunSummary(io, environment.root, environment.lakeBucket, summary);
  const report = join(environment.root, 'reports', `${summary.executionName}.html`);
  await mkdir(join(environment.root, 'reports'), { recursive: true });
  await writeFile(
    report,
    await renderRunReport(summary, {
      definition: dailyPipelineDefinition(),
      pipeline,
      root: environment.root,
      lakeBucket: environment.lakeBucket,
      loadDestination: loadDestination(environment.root),
    }),
  );
  const shown = relative(io.cwd, report);
  writeLine(io.stdout, `\nRun report: ${shown.startsWith('..') ? report : shown}`);
  return summary.execution.status === 'SUCCEEDED' ? 0 : 1;
}

/**
 * Progress on stderr: on a terminal one line per ingest and capture stage, rewritten in place at
 * most every 200 ms; elsewhere (CI logs) a line every 5 s. Each finished state machine step gets
 * a line of its own.
 */
function progressPrinter(io: CommandIo): (event: ProgressEvent) => void {
  const terminal = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const interval = terminal ? 200 : 5_000;
  let open: string | undefined;
  let lastWrite = 0;
  const endLine = () => {
    if (open !== undefined && terminal) io.stderr.write('\n');
    open = undefined;
  };
  return (event) => {
    if (event.kind === 'step') {
      endLine();
      const { step } = event;
      const seconds = ((step.endedAt - step.startedAt) / 1000).toFixed(2);
      writeLine(
        io.stderr,
        `step ${step.state}: ${step.outcome} (${seconds} s)${step.error ? ` ${step.error}` : ''}`,
      );
      return;
    }
    const key = `${event.kind} ${event.kind === 'ingest' ? event.stream : event.table}`;
    const now = Date.now();
    if (key === open && now - lastWrite < interval) return;
    if (key !== open) endLine();
    open = key;
    lastWrite = now;
    const text =
      event.kind === 'ingest'
        ? `ingest ${event.stream}: ${event.stats.recordsIn} records sent, ${event.stats.rowsWritten} rows in ${event.stats.parquetFiles.length} Parquet files`
        : `capture ${event.table}: ${event.stats.changes} changes, ${event.stats.changeFiles} change files flattened`;
    io.stderr.write(terminal ? `\r${text}` : `${text}\n`);
  };
}

/** Where the loader writes on this machine, as its configuration decides; a URL without its password. */
function loadDestination(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const url = env.TRIBUTARY_MYSQL_URL || env.TRIBUTARY_POSTGRES_URL;
  if (!url) return join(root, LOCAL_WAREHOUSE_FILE);
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

export function printRunSummary(
  io: CommandIo,
  root: string,
  lakeBucket: string,
  summary: LocalRunSummary,
): void {
  const out = (text = '') => writeLine(io.stdout, text);
  out();
  out('Ingested');
  for (const [stream, stats] of summary.streams) {
    const failed = stats.processingFailed + stats.conversionFailed;
    out(
      `  ${stream}: ${stats.recordsIn} records in, ${stats.rowsWritten} rows in ${stats.parquetFiles.length} Parquet files, ${failed} failed` +
        (stats.reingested ? `, ${stats.reingested} re-ingested` : ''),
    );
    if (failed > 0) {
      out(
        `    failed records wait for a replay under ${join(root, lakeBucket, LakeLayout.firehoseErrors(stream))}` +
          ` (processing-failed: ${stats.processingFailed}, format-conversion-failed: ${stats.conversionFailed})`,
      );
    }
    if (stats.eventTimeOutOfRange > 0) {
      out(
        `    ${stats.eventTimeOutOfRange} records dated outside the days the lake serves (${summary.lakeStartDate} to today, UTC), filed under their arrival time with event_time as sent`,
      );
    }
    if (stats.undeclaredColumns.size > 0) {
      const columns = [...stats.undeclaredColumns].map(([name, count]) => `${name} (${count})`).join(', ');
      out(`    columns not in pipeline.yml, left out of Parquet: ${columns}`);
    }
  }
  for (const [table, stats] of summary.captures) {
    out(
      `  ${table} (DynamoDB): ${stats.changes} changes in ${stats.changeFiles} change files, ${stats.failedChanges} failed`,
    );
  }
  for (const quarantine of summary.quarantined) {
    out(`    ${quarantine.lines} lines quarantined in ${join(root, lakeBucket, quarantine.key)}`);
  }

  out();
  out(`Daily pipeline ${summary.executionName}: ${summary.execution.status}`);
  if (summary.execution.error) out(`  ${summary.execution.error.name}: ${summary.execution.error.cause}`);
  for (const message of summary.notifications) out(`  alert: ${message}`);
  const retries = retriesByState(summary.execution.steps);
  if (retries.length > 0) {
    out(`  retries: ${retries.map(([state, count]) => `${state} ${count}`).join(', ')}`);
  }
  for (const outcome of summary.published) {
    out(`  published ${outcome.target}: ${outcome.days} days, ${outcome.files} files`);
  }
  for (const load of summary.loads) {
    out(`  loaded ${load.table} (${load.mode}): ${load.rows} rows${load.created ? ', table created' : ''}`);
  }
  if (summary.skippedLoads) {
    const { reason, skipped } = summary.skippedLoads;
    out(`  loads skipped: ${reason}${skipped.length > 0 ? ` (${skipped.join(', ')})` : ''}`);
  }

  out();
  out('Lake tables');
  out(
    formatTable(
      ['table', 'rows', 'partitions'],
      summary.tables.map((t) => [t.table, t.rows, t.partitions]),
    ).replace(/^/gm, '  '),
  );
  out();
  out(`Time: ${summary.timings.map(([stage, seconds]) => `${stage} ${seconds.toFixed(1)} s`).join(', ')}`);
}

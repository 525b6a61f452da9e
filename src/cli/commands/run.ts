import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingestStreams, type StreamSource } from '../../lib/local/ingest-streams';
import type { DeliveryStats } from '../../lib/local/local-delivery-stream';
import {
  DEFAULT_LOCAL_ROOT,
  type LocalEnvironment,
  localEnvironment,
} from '../../lib/local/local-environment';
import { loadLocalHandlers } from '../../lib/local/local-handlers';
import { SAMPLES_DIRECTORY } from '../../lib/local/project-paths';
import { generatedClickstream, ndjsonRecords } from '../../lib/local/sources';
import type { ParquetCodec } from '../../lib/parquet/parquet-writer';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { LakeLayout } from '../../lib/pipeline/lake-layout';
import { DuckDb, sqlString } from '../../lib/query/duckdb';
import { type CommandIo, formatTable, UsageError, writeLine } from '../io';

export const RUN_HELP = `Usage: tributary run [--events N] [--root DIR] [--codec snappy|zstd] [--verbose]

Runs the pipeline on this machine with embedded stand-ins: local files for S3 under the
local root, an in-process Firehose that calls the real transform Lambda and writes Parquet
to the same prefixes a deployed stage would.

  --events N     generate N clickstream events instead of the shipped samples
  --root DIR     local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT})
  --codec C      Parquet compression: snappy (default) or zstd (Node 22.15+)
  --verbose      show the Lambda handlers' own logs`;

export async function runCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: 'string' },
      root: { type: 'string' },
      codec: { type: 'string', default: 'snappy' },
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

  const environment = localEnvironment(values.root);
  const pipeline = bundledPipeline();
  writeLine(io.stdout, `Tributary local run in ${environment.root}`);
  const handlers = await loadLocalHandlers(environment, pipeline, { verbose: values.verbose });
  if (handlers.usedDevelopmentHashKey) {
    writeLine(io.stderr, 'note: TRIBUTARY_HASH_KEY is not set; hashing with the local development key');
  }

  const sources: StreamSource[] = pipeline.streams.map((stream) => ({
    stream: stream.name,
    records:
      events !== undefined && stream.name === 'clickstream'
        ? generatedClickstream(events)
        : ndjsonRecords(join(SAMPLES_DIRECTORY, `${stream.name}.ndjson`)),
  }));
  const started = Date.now();
  const results = await ingestStreams(environment, pipeline, handlers, sources, {
    codec: values.codec as ParquetCodec,
    onProgress: (stream, stats) =>
      io.stderr.write(
        `\ringest ${stream}: ${stats.recordsIn} records sent, ${stats.rowsWritten} rows written`,
      ),
  });
  io.stderr.write('\n');
  for (const [stream, stats] of results) await printStream(io, environment, stream, stats);
  writeLine(io.stdout, `Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return 0;
}

async function printStream(
  io: CommandIo,
  environment: LocalEnvironment,
  stream: string,
  stats: DeliveryStats,
): Promise<void> {
  const lake = join(environment.root, environment.lakeBucket);
  writeLine(io.stdout);
  writeLine(
    io.stdout,
    `${stream}: ${stats.recordsIn} records in, ${stats.rowsWritten} rows in ${stats.parquetFiles.length} Parquet files` +
      (stats.reingested ? `, ${stats.reingested} re-ingested` : ''),
  );
  const failed = stats.processingFailed + stats.conversionFailed;
  if (failed > 0) {
    writeLine(
      io.stdout,
      `  ${failed} records failed and wait for a replay under ${join(lake, LakeLayout.firehoseErrors(stream))}` +
        ` (processing-failed: ${stats.processingFailed}, format-conversion-failed: ${stats.conversionFailed})`,
    );
  }
  if (stats.undeclaredColumns.size > 0) {
    const columns = [...stats.undeclaredColumns].map(([name, count]) => `${name} (${count})`).join(', ');
    writeLine(io.stdout, `  columns not in pipeline.yml, left out of Parquet: ${columns}`);
  }
  writeLine(
    io.stdout,
    `  source copies: ${join(environment.root, environment.rawBucket, LakeLayout.firehoseBackup(stream))}`,
  );
  if (stats.parquetFiles.length === 0) return;
  const duck = await DuckDb.open();
  try {
    const glob = join(lake, LakeLayout.table(stream), '*', '*', '*.parquet');
    const { rows } = await duck.query(
      `SELECT dt, hour, count(*) AS rows, count(DISTINCT filename) AS files
       FROM read_parquet(${sqlString(glob)}, hive_partitioning = true, filename = true)
       GROUP BY ALL ORDER BY ALL`,
    );
    writeLine(io.stdout, `  landed in ${join(lake, LakeLayout.table(stream))}:`);
    writeLine(
      io.stdout,
      formatTable(
        ['dt', 'hour', 'rows', 'files'],
        rows.map((r) => [r.dt, r.hour, r.rows, r.files]),
      ).replace(/^/gm, '    '),
    );
  } finally {
    duck.close();
  }
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatColumnType } from '../../lib/columns/column-types';
import type { FlatRow } from '../../lib/flattening/flatten';
import { FlattenPlan } from '../../lib/flattening/plan';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { flattenOptionsFor, TABLE_NAME } from '../../lib/pipeline/pipeline';
import { hasDrift, SchemaComparison, type SchemaDrift } from '../../lib/schema/drift';
import { SchemaInference } from '../../lib/schema/infer';
import { lastColumnLine } from '../../lib/schema/pipeline-location';
import { flattenSampleLine, sampleLines } from '../../lib/schema/sample-rows';
import { columnLine, tableEntryYaml } from '../../lib/schema/table-entry';
import { MAX_LINE_BYTES } from '../../lib/storage/lines';
import { errorMessage } from '../../lib/util/errors';
import { PROJECT_ROOT } from '../../lib/util/project-paths';
import { type CommandIo, counted, UsageError, writeLine } from '../io';
import { findTable, hashKeyFor, lineReference, requireTable } from '../tables';

export const SCHEMA_HELP = `Usage: tributary schema infer --table T [--reinfer] <files...>
       tributary schema diff --table T <files...>

infer   Reads NDJSON events or DynamoDB JSON (export files, change files, stream records, items;
        .gz files too; a stream's raw backup files in the raw bucket's firehose/<stream>/ are
        such files), flattens them as the pipeline would and prints the table's entry for
        pipeline.yml: column names in first-seen order, types from the values (ISO timestamps
        and dates, int or bigint, exact decimals for long numbers, booleans), with type
        conflicts marked. An existing table keeps its keys, rules, comments and declared column
        types (values a declared type cannot hold are named on stderr); the columns the samples
        add come after its own, marked new.
diff    Compares the files with table T's declared columns: new columns (a stream's Parquet
        conversion would drop them), values the declared type cannot hold, declared columns
        the data never has, and the exact lines to add to pipeline.yml for the new columns.
        Exits 1 when they differ, so CI can catch drift before a deploy.

  --table T   the table's name in pipeline.yml (infer: may be a new table)
  --reinfer   infer: infer the declared columns' types from the samples too
  --help      show this help

Malformed lines are reported on stderr with their line numbers; either command then exits 1.`;

interface Samples {
  readonly malformed: number;
  readonly rows: number;
  readonly dynamoLines: number;
}

/** Flattens every sample line, handing rows to `add` and reporting malformed lines on stderr. */
async function readSamples(
  files: readonly string[],
  plan: FlattenPlan,
  io: CommandIo,
  add: (row: FlatRow, source: string) => void,
): Promise<Samples> {
  let malformed = 0;
  let rows = 0;
  let dynamoLines = 0;
  for await (const line of sampleLines(files)) {
    try {
      if (!line.bytes) throw new Error(`line is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB`);
      const { row, dynamo } = flattenSampleLine(line.bytes.toString('utf8'), plan);
      add(row, lineReference(line.file, line.number));
      rows++;
      if (dynamo) dynamoLines++;
    } catch (error) {
      malformed++;
      writeLine(io.stderr, `${lineReference(line.file, line.number)}: ${errorMessage(error)}`);
    }
  }
  return { malformed, rows, dynamoLines };
}

export async function schemaCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      reinfer: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const [action, ...files] = positionals;
  if (values.help) {
    writeLine(io.stdout, SCHEMA_HELP);
    return 0;
  }
  if (action !== 'infer' && action !== 'diff') throw new UsageError('say infer or diff');
  if (!values.table) throw new UsageError('--table is required');
  if (files.length === 0) throw new UsageError('name at least one sample file');
  return action === 'infer' ? infer(values.table, files, io, values.reinfer) : diff(values.table, files, io);
}

async function infer(
  name: string,
  files: readonly string[],
  io: CommandIo,
  reinfer: boolean,
): Promise<number> {
  if (!TABLE_NAME.test(name)) {
    throw new UsageError(
      `--table ${name}: use lowercase letters, digits and underscores, starting with a letter`,
    );
  }
  const existing = findTable(bundledPipeline(), name);
  const plan = new FlattenPlan(existing ? flattenOptionsFor(existing.spec, hashKeyFor(existing, io)) : {});
  const inference = new SchemaInference();
  const comparison = existing && !reinfer ? new SchemaComparison(existing.spec.columns) : undefined;
  const samples = await readSamples(files, plan, io, (row, source) =>
    comparison ? comparison.add(row, source) : inference.add(row),
  );
  if (samples.rows === 0) {
    writeLine(io.stderr, 'no readable records in the samples; nothing to infer');
    return 1;
  }
  const section = existing?.section ?? (samples.dynamoLines * 2 > samples.rows ? 'dynamodb' : 'streams');
  const kept = comparison?.keptColumns();
  const columns = kept?.columns ?? inference.columns(existing?.spec.keys);
  io.stdout.write(tableEntryYaml(name, section, columns, existing?.spec));
  for (const change of kept?.drift.typeChanges ?? []) {
    writeLine(
      io.stderr,
      `${change.column.name}: kept the declared ${formatColumnType(change.column.type)}; ${counted(change.failures, 'value')} cannot be stored in it (e.g. ${JSON.stringify(change.example)}); --reinfer infers declared columns again`,
    );
  }
  const conflicts = columns.filter((c) => c.conflict);
  writeLine(
    io.stderr,
    `${columns.length} columns from ${samples.rows} records` +
      (conflicts.length > 0 ? `; type conflicts in ${conflicts.map((c) => c.name).join(', ')}` : '') +
      (samples.malformed > 0 ? `; ${samples.malformed} malformed lines skipped` : ''),
  );
  return samples.malformed > 0 ? 1 : 0;
}

async function diff(name: string, files: readonly string[], io: CommandIo): Promise<number> {
  const table = requireTable(bundledPipeline(), name);
  const plan = new FlattenPlan(flattenOptionsFor(table.spec, hashKeyFor(table, io)));
  const comparison = new SchemaComparison(table.spec.columns);
  const samples = await readSamples(files, plan, io, (row, source) => comparison.add(row, source));
  const drift = comparison.drift();
  printDrift(io, name, table.section, drift);
  return hasDrift(drift) || samples.malformed > 0 ? 1 : 0;
}

/** The earliest day a new column was first seen, when its first record lay in a raw backup (`firehose/<stream>/YYYY/MM/DD/`). */
function firstDay(columns: SchemaDrift['newColumns']): string | undefined {
  const days = columns.flatMap((column) => {
    const match = /(?:^|\/)firehose\/[a-z][a-z0-9_]*\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(
      column.firstSeen ?? '',
    );
    return match ? [`${match[1]}-${match[2]}-${match[3]}`] : [];
  });
  return days.sort()[0];
}

function printDrift(io: CommandIo, name: string, section: 'streams' | 'dynamodb', drift: SchemaDrift): void {
  if (!hasDrift(drift)) {
    writeLine(io.stdout, `${name}: ${drift.rows} records match the declared columns`);
    return;
  }
  writeLine(
    io.stdout,
    drift.differingRows > 0
      ? `${name}: ${drift.differingRows} of ${counted(drift.rows, 'record')} ${drift.differingRows === 1 ? 'differs' : 'differ'} from the declared columns`
      : `${name}: ${counted(drift.rows, 'record')} read; every value fits, but declared columns are missing`,
  );
  if (drift.newColumns.length > 0) {
    writeLine(
      io.stdout,
      section === 'streams'
        ? '\nNew columns (not declared: Parquet conversion drops them):'
        : '\nNew columns (not declared: kept only as JSON text in _extra):',
    );
    for (const column of drift.newColumns) {
      const types = column.conflict ? `; values were ${column.conflict}` : '';
      const first = column.firstSeen ? `; first in ${column.firstSeen}` : '';
      writeLine(
        io.stdout,
        `  + ${column.name} ${formatColumnType(column.type)} (in ${counted(column.seen, 'record')}${types}${first})`,
      );
    }
    const file = join(PROJECT_ROOT, 'pipeline.yml');
    const line = lastColumnLine(readFileSync(file, 'utf8'), section, name);
    writeLine(
      io.stdout,
      `\nTo keep them, add under ${name}'s columns in ${line === undefined ? file : `${file}:${line}`}:`,
    );
    for (const column of drift.newColumns) writeLine(io.stdout, columnLine(column));
    writeLine(
      io.stdout,
      section === 'streams'
        ? `then deploy; tributary backfill --stream ${name} --from ${firstDay(drift.newColumns) ?? '<the day producers started sending them>'} fills them back from the raw copies for the days before.`
        : 'then deploy; the next daily export writes them into the snapshot for every item, and changes carry them from then on.',
    );
  }
  if (drift.typeChanges.length > 0) {
    writeLine(io.stdout, '\nType changes (values the declared type cannot hold):');
    for (const change of drift.typeChanges) {
      writeLine(
        io.stdout,
        `  ~ ${change.column.name}: declared ${formatColumnType(change.column.type)}, found ${formatColumnType(change.found.type)}` +
          ` (${counted(change.failures, 'value')}, e.g. ${JSON.stringify(change.example)})`,
      );
    }
    writeLine(
      io.stdout,
      section === 'streams'
        ? 'Such records go to the stream\'s format-conversion-failed/ errors: fix the producer and `tributary replay` them, or declare a type that holds the values (see "Changing a column\'s type" in the README).'
        : 'Such lines are quarantined beside their raw object: fix the data and `tributary replay` them, or declare a type that holds the values (see "Changing a column\'s type" in the README).',
    );
  }
  if (drift.missingColumns.length > 0) {
    writeLine(io.stdout, '\nMissing columns (declared, never in the data):');
    for (const column of drift.missingColumns) {
      writeLine(io.stdout, `  - ${column.name} ${formatColumnType(column.type)}`);
    }
  }
}

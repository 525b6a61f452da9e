import { parseArgs } from 'node:util';
import { formatColumnType } from '../../lib/columns/column-types';
import type { FlatRow } from '../../lib/flattening/flatten';
import { FlattenPlan } from '../../lib/flattening/plan';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { flattenOptionsFor, TABLE_NAME } from '../../lib/pipeline/pipeline';
import { hasDrift, SchemaComparison, type SchemaDrift } from '../../lib/schema/drift';
import { SchemaInference } from '../../lib/schema/infer';
import { flattenSampleLine, sampleLines } from '../../lib/schema/sample-rows';
import { tableEntryYaml } from '../../lib/schema/table-entry';
import { MAX_LINE_BYTES } from '../../lib/storage/lines';
import { errorMessage } from '../../lib/util/errors';
import { type CommandIo, UsageError, writeLine } from '../io';
import { findTable, hashKeyFor, lineReference, requireTable } from '../tables';

export const SCHEMA_HELP = `Usage: tributary schema infer --table T <files...>
       tributary schema diff --table T <files...>

infer   Reads NDJSON events or DynamoDB JSON (export files, change files, stream records, items;
        .gz files too), flattens them as the pipeline would and prints the table's entry for
        pipeline.yml: column names in first-seen order, types from the values (ISO timestamps
        and dates, int or bigint, exact decimals for long numbers, booleans), with type
        conflicts marked. An existing table keeps its keys, rules and comments.
diff    Compares the files with table T's declared columns: new columns (a stream's Parquet
        conversion would drop them), values the declared type cannot hold, declared columns
        the data never has. Exits 1 when they differ, so CI can catch drift before a deploy.

  --table T   the table's name in pipeline.yml (infer: may be a new table)
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
  add: (row: FlatRow) => void,
): Promise<Samples> {
  let malformed = 0;
  let rows = 0;
  let dynamoLines = 0;
  for await (const line of sampleLines(files)) {
    try {
      if (!line.bytes) throw new Error(`line is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB`);
      const { row, dynamo } = flattenSampleLine(line.bytes.toString('utf8'), plan);
      add(row);
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
    options: { table: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  const [action, ...files] = positionals;
  if (values.help) {
    writeLine(io.stdout, SCHEMA_HELP);
    return 0;
  }
  if (action !== 'infer' && action !== 'diff') throw new UsageError('say infer or diff');
  if (!values.table) throw new UsageError('--table is required');
  if (files.length === 0) throw new UsageError('name at least one sample file');
  return action === 'infer' ? infer(values.table, files, io) : diff(values.table, files, io);
}

async function infer(name: string, files: readonly string[], io: CommandIo): Promise<number> {
  if (!TABLE_NAME.test(name)) {
    throw new UsageError(
      `--table ${name}: use lowercase letters, digits and underscores, starting with a letter`,
    );
  }
  const existing = findTable(bundledPipeline(), name);
  const plan = new FlattenPlan(existing ? flattenOptionsFor(existing.spec, hashKeyFor(existing, io)) : {});
  const inference = new SchemaInference();
  const samples = await readSamples(files, plan, io, (row) => inference.add(row));
  if (samples.rows === 0) {
    writeLine(io.stderr, 'no readable records in the samples; nothing to infer');
    return 1;
  }
  const section = existing?.section ?? (samples.dynamoLines * 2 > samples.rows ? 'dynamodb' : 'streams');
  const columns = inference.columns(existing?.spec.keys);
  io.stdout.write(tableEntryYaml(name, section, columns, existing?.spec));
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
  const samples = await readSamples(files, plan, io, (row) => comparison.add(row));
  const drift = comparison.drift();
  printDrift(io, name, table.section, drift);
  return hasDrift(drift) || samples.malformed > 0 ? 1 : 0;
}

function printDrift(io: CommandIo, name: string, section: 'streams' | 'dynamodb', drift: SchemaDrift): void {
  if (!hasDrift(drift)) {
    writeLine(io.stdout, `${name}: ${drift.rows} records match the declared columns`);
    return;
  }
  writeLine(io.stdout, `${name}: ${drift.rows} records differ from the declared columns`);
  if (drift.newColumns.length > 0) {
    writeLine(
      io.stdout,
      section === 'streams'
        ? '\nNew columns (not declared: Parquet conversion drops them):'
        : '\nNew columns (not declared: kept only as JSON text in _extra):',
    );
    for (const column of drift.newColumns) {
      writeLine(io.stdout, `  + ${column.name} ${formatColumnType(column.type)} (in ${column.seen} records)`);
    }
  }
  if (drift.typeChanges.length > 0) {
    writeLine(io.stdout, '\nType changes (values the declared type cannot hold):');
    for (const change of drift.typeChanges) {
      writeLine(
        io.stdout,
        `  ~ ${change.column.name}: declared ${formatColumnType(change.column.type)}, found ${formatColumnType(change.found.type)}` +
          ` (${change.failures} values, e.g. ${JSON.stringify(change.example)})`,
      );
    }
  }
  if (drift.missingColumns.length > 0) {
    writeLine(io.stdout, '\nMissing columns (declared, never in the data):');
    for (const column of drift.missingColumns) {
      writeLine(io.stdout, `  - ${column.name} ${formatColumnType(column.type)}`);
    }
  }
}

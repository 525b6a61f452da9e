import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_ROOT, localEnvironment, openLocalAthena } from '../../lib/local/local-environment';
import { requireLocalLake } from '../../lib/local/local-root';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { streamRelations } from '../../lib/transforms/deduplicate';
import { renderSql } from '../../lib/transforms/sql-template';
import { errorMessage } from '../../lib/util/errors';
import { type CommandIo, formatTable, UsageError, writeLine } from '../io';

export const QUERY_HELP = `Usage: tributary query [--root DIR] [--format table|csv|json] "<Athena SQL>"

Runs a SELECT against the local lake through the DuckDB compatibility layer, with the tables of
pipeline.yml (and every transform output published so far) as they would be in Athena. SQL the
layer cannot run is refused with the construct named.

{{table:<stream>}} reads a stream as transforms do: its compacted and backfilled days from their
current generation, the rest from the live table, one copy per keys. The bare table name reads
only the live files (those no rewrite has taken in yet, and the replaced ones until clean-up).

  --root DIR     local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT})
  --format F     table (default), csv or json (one object per line)
  --help         show this help

Example: tributary query "SELECT event_type, count(*) FROM {{table:clickstream}} GROUP BY 1 ORDER BY 2 DESC"`;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function queryCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      format: { type: 'string', default: 'table' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, QUERY_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give the SQL as one argument, in quotes');
  const format = values.format;
  if (format !== 'table' && format !== 'csv' && format !== 'json') {
    throw new UsageError('--format must be table, csv or json');
  }
  if (!/^\s*(WITH|SELECT|VALUES|SHOW|DESCRIBE)\b/i.test(positionals[0]!)) {
    throw new UsageError('query runs read-only statements (SELECT, WITH, VALUES, SHOW, DESCRIBE)');
  }
  const pipeline = bundledPipeline();
  const environment = localEnvironment(values.root, pipeline.database);
  requireLocalLake(environment);
  const athena = await openLocalAthena(environment, pipeline);
  try {
    const sql = renderSql(positionals[0]!, {
      database: environment.database,
      relations: streamRelations(pipeline, environment.database),
    });
    const result = await athena.query(sql).catch(async (error: unknown) => {
      const unknown = /Table with name (\S+) does not exist/.exec(errorMessage(error));
      if (!unknown) throw error;
      const names = await athena.tableNames();
      throw new Error(`no table ${unknown[1]} in the local lake; tables: ${names.join(', ')}`);
    });
    const names = result.columns.map((c) => c.name);
    if (format === 'json') {
      for (const row of result.rows) writeLine(io.stdout, JSON.stringify(row));
    } else if (format === 'csv') {
      writeLine(io.stdout, names.map(csvCell).join(','));
      for (const row of result.rows) writeLine(io.stdout, names.map((n) => csvCell(row[n])).join(','));
    } else {
      writeLine(
        io.stdout,
        formatTable(
          names,
          result.rows.map((row) => names.map((n) => row[n])),
        ),
      );
      writeLine(io.stderr, `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`);
    }
    return 0;
  } finally {
    athena.close();
  }
}

import { parseArgs } from 'node:util';
import { encodeFlatRow } from '../../lib/flattening/flatten';
import { FlattenPlan } from '../../lib/flattening/plan';
import { RecordFlattener } from '../../lib/flattening/record-flattener';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { flattenOptionsFor } from '../../lib/pipeline/pipeline';
import { flattenDynamoLine, sampleLines } from '../../lib/schema/sample-rows';
import { MAX_LINE_BYTES } from '../../lib/storage/lines';
import { errorMessage } from '../../lib/util/errors';
import { type CommandIo, writeLine } from '../io';
import { hashKeyFor, lineReference, requireTable } from '../tables';

export const FLATTEN_HELP = `Usage: tributary flatten [--table T] [files...] < in.ndjson > out.ndjson

Flattens NDJSON records into one-level rows, exactly as the pipeline stores them: nested keys
joined by "__", key columns first, arrays and objects deeper than maxDepth kept as JSON text,
numbers with their exact digits. Reads the files given, or stdin.

  --table T   flatten as table T of pipeline.yml does (keys, maxDepth, drop and hash rules);
              a DynamoDB table reads DynamoDB JSON (export lines, change lines, stream records
              or items) and unmarshalls it first
  --help      show this help

Malformed lines are reported on stderr with their line numbers and left out of the output;
the exit code is 1 when there was any.`;

export async function flattenCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { table: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    writeLine(io.stdout, FLATTEN_HELP);
    return 0;
  }
  const table = values.table === undefined ? undefined : requireTable(bundledPipeline(), values.table);
  const hashKey = hashKeyFor(table, io);
  const flattenLine: (bytes: Buffer) => string | Buffer =
    table?.section === 'dynamodb'
      ? (() => {
          const plan = new FlattenPlan(flattenOptionsFor(table.spec, hashKey));
          return (bytes: Buffer) => `${encodeFlatRow(flattenDynamoLine(bytes.toString('utf8'), plan))}\n`;
        })()
      : (() => {
          const flattener = new RecordFlattener(table ? flattenOptionsFor(table.spec, hashKey) : {});
          return (bytes: Buffer) => {
            const line = flattener.flattenBytes(bytes);
            // the flattener reuses its buffer; stdout may still hold this slice
            return Buffer.copyBytesFrom(line.buffer, line.start, line.end - line.start);
          };
        })();

  let flattened = 0;
  let malformed = 0;
  for await (const line of sampleLines(positionals, io.stdin)) {
    try {
      if (!line.bytes) throw new Error(`line is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB`);
      const output = flattenLine(line.bytes);
      if (!io.stdout.write(output)) await new Promise((resolve) => io.stdout.once('drain', resolve));
      flattened++;
    } catch (error) {
      malformed++;
      writeLine(io.stderr, `${lineReference(line.file, line.number)}: ${errorMessage(error)}`);
    }
  }
  writeLine(io.stderr, `flattened ${flattened} records${malformed > 0 ? `, ${malformed} malformed` : ''}`);
  return malformed > 0 ? 1 : 0;
}

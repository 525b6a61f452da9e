import { parseArgs } from 'node:util';
import { flattenerForStream } from '../../lib/firehose/stream-resolver';
import { DEFAULT_LOCAL_ROOT, localEnvironment } from '../../lib/local/local-environment';
import { localHashKey } from '../../lib/local/local-hash-key';
import { requireLocalLake } from '../../lib/local/local-root';
import { backfillStream } from '../../lib/local/rewrite/backfill';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { objectStorePointers } from '../../lib/rewrite/pointer-store';
import { type CommandIo, formatTable, UsageError, writeLine } from '../io';

export const BACKFILL_HELP = `Usage: tributary backfill [--root DIR] --stream NAME --from YYYY-MM-DD [--to YYYY-MM-DD]

Rebuilds the days of a stream's lake table from the raw copies of its source records (the raw
bucket keeps every record as it was sent), through the same Firehose transform and conversion,
with the columns pipeline.yml declares now. Use it after declaring a column producers were
already sending: the lake then holds its values for those days too. Records land in the day they
were filed under when they arrived (late events in their own day), one copy per the stream's
keys. Each day switches to its rebuilt files in one step, as a compaction does.

  --stream NAME   the stream to rebuild
  --from D        first day to rebuild (the day producers started sending the field)
  --to D          last day (default: today, UTC)
  --root DIR      local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT})
  --help          show this help

Example: tributary backfill --stream clickstream --from 2026-11-18`;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function day(text: string, flag: string): number {
  const time = Date.parse(`${text}T00:00:00Z`);
  if (!DAY.test(text) || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== text) {
    throw new UsageError(`${flag} must be a day, YYYY-MM-DD, not ${text}`);
  }
  return time;
}

export async function backfillCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      root: { type: 'string' },
      stream: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, BACKFILL_HELP);
    return 0;
  }
  const pipeline = bundledPipeline();
  const stream = pipeline.streams.find((s) => s.name === values.stream);
  if (!stream) {
    throw new UsageError(
      `give --stream, one of: ${pipeline.streams.map((s) => s.name).join(', ')}${values.stream ? ` (not ${values.stream})` : ''}`,
    );
  }
  if (values.from === undefined) throw new UsageError('give --from, the first day to rebuild');
  const from = day(values.from, '--from');
  const to = day(values.to ?? new Date().toISOString().slice(0, 10), '--to');
  if (to < from) throw new UsageError('--to is before --from');
  if ((to - from) / 86_400_000 > 366) throw new UsageError('rebuild at most a year at a time');
  const days: string[] = [];
  for (let t = from; t <= to; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  const environment = localEnvironment(values.root, pipeline.database);
  requireLocalLake(environment);
  const outcomes = await backfillStream(stream, days, {
    store: environment.store,
    pointers: objectStorePointers(environment.store),
    lakeBucket: environment.lakeBucket,
    rawBucket: environment.rawBucket,
    lakeStartDate: environment.lakeStartDate,
    flattener: flattenerForStream(stream, stream.flatten.hash.length > 0 ? localHashKey().key : undefined),
  });
  writeLine(io.stdout, `rebuilt ${stream.name} from its raw copies`);
  writeLine(
    io.stdout,
    formatTable(
      ['day', 'status', 'records', 'rows', 'copies dropped', 'refused by conversion'],
      outcomes.map((o) => [
        o.outcome.dt,
        o.outcome.status,
        o.records,
        o.outcome.rowsOut,
        o.outcome.duplicatesDropped,
        o.conversionErrors,
      ]),
    ),
  );
  return 0;
}

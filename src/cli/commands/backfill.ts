import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_ROOT, localEnvironment } from '../../lib/local/local-environment';
import { requireLocalLake } from '../../lib/local/local-root';
import { runLakeRewriteLocally } from '../../lib/local/rewrite/lake-rewrite-run';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { readDayState } from '../../lib/rewrite/day-state';
import { MAX_BACKFILL_DAYS } from '../../lib/rewrite/lake-rewrite';
import { objectStorePointers } from '../../lib/rewrite/pointer-store';
import { type CommandIo, formatTable, UsageError, writeLine } from '../io';

export const BACKFILL_HELP = `Usage: tributary backfill [--root DIR] --stream NAME --from YYYY-MM-DD [--to YYYY-MM-DD]

Rebuilds the days of a stream's lake table from the raw copies of its source records (the raw
bucket keeps every record as it was sent), through the same Firehose transform and conversion,
with the columns pipeline.yml declares now. Use it after declaring a column producers were
already sending: the lake then holds its values for those days too. Records land in the day they
were filed under when they arrived (late events in their own day), one copy per the stream's
keys. Each day switches to its rebuilt files in one step, as a compaction does. It runs the
lake-rewrite state machine as deployed, started with {"backfill": {...}}; in a stage, start that
state machine with the same input (see the README).

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
  if ((to - from) / DAY_MS > 366) throw new UsageError('rebuild at most a year at a time');
  const environment = localEnvironment(values.root, pipeline.database);
  requireLocalLake(environment);
  const pointers = objectStorePointers(environment.store);
  const rebuilt = new Map<string, { records: number; conversionErrors: number }>();
  const statuses = new Map<string, string>();
  const failures: string[] = [];
  // the lake-rewrite state machine, as deployed, one execution per MAX_BACKFILL_DAYS days
  for (let start = from; start <= to; start += MAX_BACKFILL_DAYS * DAY_MS) {
    const end = Math.min(to, start + (MAX_BACKFILL_DAYS - 1) * DAY_MS);
    const run = await runLakeRewriteLocally(
      environment,
      pipeline,
      { backfill: { stream: stream.name, from: isoDay(start), to: isoDay(end) } },
      {
        pointers,
        wrapTasks: (tasks) => ({
          ...tasks,
          'Rebuild day': async (input) => {
            const output = await tasks['Rebuild day'](input);
            const { dt } = input as { dt: string };
            rebuilt.set(dt, output as unknown as { records: number; conversionErrors: number });
            return output;
          },
        }),
      },
    );
    const days = (run.execution.output as { days?: Array<{ dt: string; status: string }> } | undefined)?.days;
    for (const d of days ?? []) statuses.set(d.dt, d.status);
    if (run.execution.status !== 'SUCCEEDED')
      failures.push(`${run.execution.error?.name ?? 'Failed'}: ${run.execution.error?.cause ?? ''}`);
  }
  const rows: unknown[][] = [];
  for (let t = from; t <= to; t += DAY_MS) {
    const dt = isoDay(t);
    const state = await readDayState(environment.store, pointers, environment.lakeBucket, stream.name, dt);
    const summary = state.current?.summary;
    const status = statuses.get(dt) ?? 'not run';
    rows.push([
      dt,
      status === 'compacted' ? 'rebuilt' : status,
      rebuilt.get(dt)?.records ?? 0,
      summary?.rowsOut ?? 0,
      status === 'compacted' ? (summary?.duplicatesDropped ?? 0) : 0,
      rebuilt.get(dt)?.conversionErrors ?? 0,
    ]);
  }
  writeLine(io.stdout, `rebuilt ${stream.name} from its raw copies`);
  writeLine(
    io.stdout,
    formatTable(['day', 'status', 'records', 'rows', 'copies dropped', 'refused by conversion'], rows),
  );
  for (const failure of failures) writeLine(io.stderr, failure);
  if (failures.length > 0) return 1;
  writeLine(
    io.stdout,
    `next: tributary run --keep --events 0 --date ${isoDay(to)} computes the transforms of the rebuilt days within each ` +
      "transform's lookbackDays again and loads them into the BI tables; in a stage, the next scheduled run does",
  );
  return 0;
}

const DAY_MS = 86_400_000;
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

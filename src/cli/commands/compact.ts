import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_ROOT, localEnvironment } from '../../lib/local/local-environment';
import { requireLocalLake } from '../../lib/local/local-root';
import { type DayDigest, digestDay } from '../../lib/local/rewrite/day-digest';
import { runLakeRewriteLocally } from '../../lib/local/rewrite/lake-rewrite-run';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import type { StreamSpec } from '../../lib/pipeline/pipeline';
import { DEFAULT_GRACE_MS } from '../../lib/rewrite/cleanup';
import {
  COMPACTION_DEFAULTS,
  compactionOptions,
  daysDueForCompaction,
} from '../../lib/rewrite/compaction-policy';
import { objectStorePointers } from '../../lib/rewrite/pointer-store';
import { type CommandIo, formatTable, UsageError, writeLine } from '../io';

export const COMPACT_HELP = `Usage: tributary compact [--root DIR] [--date YYYY-MM-DD] [--stream NAME]
                        [--target-mb N] [--max-files N] [--grace-hours N]

Rewrites a day of each stream's lake table into few large Parquet files, keeping one copy per the
stream's declared keys, so queries open fewer files. It runs the lake-rewrite state machine as
deployed (statemachines/lake-rewrite.asl.yml), its CTAS in the local Athena. Readers switch from the old files to the new
ones in one step (the day's manifest is replaced with a conditional write); a file Firehose writes
while it runs stays visible and is taken in by the next compaction. It prints, per stream, the
files, rows, copies dropped and a content checksum before and after: the checksum of the rows
kept once per key is the same before and after.

Replaced files are deleted by a later compaction of the day, once the grace period has passed
since the switch (so no query that listed them still reads them).

  --date D          the day to compact (default: per stream, the day its compaction.afterDays
                    in pipeline.yml ends on, default 2 days ago, and the six days before it)
  --stream NAME     only this stream (default: every stream)
  --target-mb N     target file size (default: the stream's compaction.targetFileMB, else ${COMPACTION_DEFAULTS.targetFileBytes / 1024 / 1024})
  --max-files N     at most this many files per day (default: compaction.maxFilesPerDay, else ${COMPACTION_DEFAULTS.maxFilesPerDay})
  --grace-hours N   keep replaced files this long after the switch (default ${DEFAULT_GRACE_MS / 3_600_000})
  --root DIR        local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT})
  --help            show this help

Example: tributary compact --date 2026-11-20`;

function isDay(text: string): boolean {
  const time = Date.parse(`${text}T00:00:00Z`);
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(time) && new Date(time).toISOString().startsWith(text)
  );
}

function positiveNumber(text: string | undefined, flag: string, above?: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (above !== undefined && (!Number.isFinite(value) || value <= above))
    throw new UsageError(`${flag} must be a number above ${above}`);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${flag} must be a number of at least 0`);
  return value;
}

export async function compactCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      root: { type: 'string' },
      date: { type: 'string' },
      stream: { type: 'string' },
      'target-mb': { type: 'string' },
      'max-files': { type: 'string' },
      'grace-hours': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, COMPACT_HELP);
    return 0;
  }
  const dt = values.date;
  if (dt !== undefined && !isDay(dt)) throw new UsageError(`--date must be a day, YYYY-MM-DD, not ${dt}`);
  const pipeline = bundledPipeline();
  const streams = pipeline.streams.filter((s) => values.stream === undefined || s.name === values.stream);
  if (streams.length === 0) {
    throw new UsageError(
      `no stream ${values.stream}; streams: ${pipeline.streams.map((s) => s.name).join(', ')}`,
    );
  }
  const targetMb = positiveNumber(values['target-mb'], '--target-mb', 0);
  const maxFiles = positiveNumber(values['max-files'], '--max-files', 1);
  const graceHours = positiveNumber(values['grace-hours'], '--grace-hours');
  const environment = localEnvironment(values.root, pipeline.database);
  requireLocalLake(environment);
  const pointers = objectStorePointers(environment.store);
  const today = new Date().toISOString().slice(0, 10);
  const days = streams.flatMap((stream) =>
    (dt !== undefined ? [dt] : daysDueForCompaction(stream, today)).map((day) => ({ stream, day })),
  );
  const digest = (stream: StreamSpec, day: string) =>
    digestDay(
      environment.store,
      pointers,
      environment.lakeBucket,
      stream.name,
      day,
      compactionOptions(stream),
    );
  const before = new Map<string, DayDigest>();
  for (const { stream, day } of days) before.set(`${stream.name}/${day}`, await digest(stream, day));
  // the lake-rewrite state machine, as deployed, with its tasks on this machine
  const run = await runLakeRewriteLocally(
    environment,
    pipeline,
    {
      ...(dt !== undefined ? { date: dt } : {}),
      ...(values.stream !== undefined ? { stream: values.stream } : {}),
      ...(targetMb !== undefined ? { targetFileMB: targetMb } : {}),
      ...(maxFiles !== undefined ? { maxFilesPerDay: Math.floor(maxFiles) } : {}),
      ...(graceHours !== undefined ? { graceHours } : {}),
    },
    { pointers },
  );
  const output = run.execution.output as
    | {
        days?: Array<{ stream: string; dt: string; status: string }>;
        cleanup?: { days?: Array<{ stream: string; dt: string; removed: number }> };
      }
    | undefined;
  const statuses = new Map((output?.days ?? []).map((d) => [`${d.stream}/${d.dt}`, d.status]));
  const removed = new Map((output?.cleanup?.days ?? []).map((d) => [`${d.stream}/${d.dt}`, d.removed]));
  const rows: string[][] = [];
  let differs = false;
  for (const { stream, day } of days) {
    const key = `${stream.name}/${day}`;
    const status = STATUS_WORDS[statuses.get(key) ?? ''] ?? statuses.get(key) ?? 'failed';
    if (dt === undefined && status === 'empty') continue;
    const was = before.get(key)!;
    const now = await digest(stream, day);
    rows.push([
      stream.name,
      day,
      status,
      `${was.files} → ${now.files}`,
      `${was.rows} → ${now.rows}`,
      String(status === 'rewritten' ? Math.max(0, was.rows - now.rows) : 0),
      was.checksum === now.checksum ? `${now.checksum.slice(0, 12)} (same)` : 'CHANGED',
      String(removed.get(key) ?? 0),
    ]);
    if (status === 'rewritten' && (was.distinctRows !== now.rows || was.checksum !== now.checksum)) {
      writeLine(io.stderr, `${stream.name} dt=${day}: the rewritten day differs from the rows it replaced`);
      differs = true;
    }
  }
  writeLine(io.stdout, rows.length > 0 ? formatTable(HEADER, rows) : 'no day with files to compact');
  if (run.execution.status !== 'SUCCEEDED') {
    writeLine(io.stderr, `${run.execution.error?.name ?? 'Failed'}: ${run.execution.error?.cause ?? ''}`);
    return 1;
  }
  return differs ? 1 : 0;
}

/** How the state machine's day outcomes read in the table. */
const STATUS_WORDS: Readonly<Record<string, string>> = {
  compacted: 'rewritten',
  unchanged: 'unchanged',
  empty: 'empty',
  superseded: 'superseded (another rewrite won)',
  deferred: 'deferred (files still landing)',
  failed: 'failed',
};

const HEADER = [
  'stream',
  'day',
  'status',
  'files',
  'rows',
  'copies dropped',
  'checksum (one copy per key)',
  'removed',
];

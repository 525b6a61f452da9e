import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_ROOT, localEnvironment } from '../../lib/local/local-environment';
import { requireLocalLake } from '../../lib/local/local-root';
import { COMPACTION_DEFAULTS, daysDueForCompaction } from '../../lib/local/rewrite/compact';
import { compactStreamDay } from '../../lib/local/rewrite/compaction';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { DEFAULT_GRACE_MS } from '../../lib/rewrite/cleanup';
import { objectStorePointers } from '../../lib/rewrite/pointer-store';
import { type CommandIo, formatTable, UsageError, writeLine } from '../io';

export const COMPACT_HELP = `Usage: tributary compact [--root DIR] [--date YYYY-MM-DD] [--stream NAME]
                        [--target-mb N] [--max-files N] [--grace-hours N]

Rewrites a day of each stream's lake table into few large Parquet files, keeping one copy per the
stream's declared keys, so queries open fewer files. Readers switch from the old files to the new
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

function positiveNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
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
  const targetMb = positiveNumber(values['target-mb'], '--target-mb');
  const maxFiles = positiveNumber(values['max-files'], '--max-files');
  const graceHours = positiveNumber(values['grace-hours'], '--grace-hours');
  const environment = localEnvironment(values.root, pipeline.database);
  requireLocalLake(environment);
  const dependencies = {
    store: environment.store,
    pointers: objectStorePointers(environment.store),
    lakeBucket: environment.lakeBucket,
    ...(graceHours !== undefined ? { graceMs: graceHours * 3_600_000 } : {}),
  };
  const rows: string[][] = [];
  const today = new Date().toISOString().slice(0, 10);
  for (const stream of streams) {
    for (const day of dt !== undefined ? [dt] : daysDueForCompaction(stream, today)) {
      const result = await compactStreamDay(stream, day, dependencies, {
        ...(targetMb !== undefined ? { targetFileBytes: targetMb * 1024 * 1024 } : {}),
        ...(maxFiles !== undefined ? { maxFilesPerDay: Math.max(1, Math.floor(maxFiles)) } : {}),
      });
      const { before, after, outcome } = result;
      if (dt === undefined && outcome.status === 'empty') continue;
      rows.push([
        stream.name,
        day,
        outcome.status,
        `${before.files} → ${after.files}`,
        `${before.rows} → ${after.rows}`,
        String(outcome.duplicatesDropped),
        before.checksum === after.checksum ? `${after.checksum.slice(0, 12)} (same)` : 'CHANGED',
        String(result.removed),
      ]);
      if (before.distinctRows !== after.rows || before.checksum !== after.checksum) {
        writeLine(io.stderr, `${stream.name} dt=${day}: the rewritten day differs from the rows it replaced`);
        writeLine(io.stdout, formatTable(HEADER, rows));
        return 1;
      }
    }
  }
  writeLine(io.stdout, rows.length > 0 ? formatTable(HEADER, rows) : 'no day with files to compact');
  return 0;
}

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

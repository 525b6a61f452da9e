import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import {
  compactionOptions,
  daysDueForCompaction,
  generationFileCount,
} from '../../../src/lib/rewrite/compaction-policy';

const stream = (compaction?: unknown) => ({
  name: 'events',
  keys: ['id'],
  columns: [
    { name: 'id', type: 'string' },
    { name: 'ts', type: 'timestamp' },
  ],
  ...(compaction === undefined ? {} : { compaction }),
});
const parsed = (compaction?: unknown) =>
  parsePipeline({ database: 'lake', streams: [stream(compaction)] }).streams[0]!;

describe('compaction settings of a stream', () => {
  it.each([
    [
      undefined,
      ['2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20'],
    ],
    [
      { afterDays: 5 },
      ['2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17'],
    ],
  ])('with %j compacts the week ending on the lookback, on 2026-11-22', (compaction, days) => {
    expect(daysDueForCompaction(parsed(compaction), '2026-11-22')).toEqual(days);
  });

  it('takes the target size and the bound on files from pipeline.yml, else 128 MB and 64', () => {
    expect(compactionOptions(parsed({ targetFileMB: 256, maxFilesPerDay: 8 }))).toEqual({
      keys: ['id'],
      columns: ['id', 'ts'],
      targetFileBytes: 256 * 2 ** 20,
      maxFilesPerDay: 8,
    });
    expect(compactionOptions(parsed())).toMatchObject({ targetFileBytes: 128 * 2 ** 20, maxFilesPerDay: 64 });
  });

  it.each([
    [{ afterDays: 0 }, 'streams[0].compaction.afterDays'],
    [{ afterDays: 2, every: 'day' }, 'every'],
    [{ targetFileMB: 'big' }, 'streams[0].compaction.targetFileMB'],
  ])('refuses %j, naming the field', (compaction, field) => {
    expect(() => parsed(compaction)).toThrow(field);
  });

  it.each([
    [0, 1],
    [10 * 2 ** 20, 1],
    [128 * 2 ** 20, 1],
    [128 * 2 ** 20 + 1, 2],
    [300 * 2 ** 20, 3],
    [100 * 128 * 2 ** 20, 64],
  ])(
    'writes a generation of %i bytes as %i files: the bytes over the target, at least one, at most the bound',
    (bytes, files) => {
      expect(generationFileCount(bytes, compactionOptions(parsed()))).toBe(files);
    },
  );
});

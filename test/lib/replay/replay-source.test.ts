import { type ReplayFile, readReplayBatches } from '../../../src/lib/replay/replay-source';
import { testPipeline } from '../../support/firehose';

const errorRecord = (record: object) =>
  JSON.stringify({ rawData: Buffer.from(JSON.stringify(record)).toString('base64'), errorCode: 'x' });

function file(name: string, lines: string[]): ReplayFile {
  return { name, read: async () => Buffer.from(`${lines.join('\n')}\n`) };
}

describe('readReplayBatches', () => {
  it('refuses format-conversion-failed records of a stream with hash rules: they hold values hashed once already', async () => {
    const problems: string[] = [];
    const batches = await readReplayBatches(
      [
        file('lake/errors/private/format-conversion-failed/dt=2026-11-20/a', [
          errorRecord({ id: '1', email: 'already-hashed' }),
        ]),
        file('lake/errors/private/processing-failed/dt=2026-11-20/b', [
          errorRecord({ id: '2', email: 'x@y' }),
        ]),
      ],
      testPipeline,
      { onProblem: (name, line, problem) => problems.push(`${name}:${line}: ${problem}`) },
    );
    expect(batches.map((batch) => batch.file)).toEqual([
      'lake/errors/private/processing-failed/dt=2026-11-20/b',
    ]);
    expect(problems).toEqual([
      expect.stringMatching(
        /^lake\/errors\/private\/format-conversion-failed\/dt=2026-11-20\/a:0: .*hash rules \(email\).*twice/,
      ),
    ]);
  });

  it('replays format-conversion-failed records of a stream without hash rules', async () => {
    const batches = await readReplayBatches(
      [file('errors/clickstream/format-conversion-failed/a', [errorRecord({ event_id: 'e1' })])],
      testPipeline,
      { onProblem: () => undefined },
    );
    expect(batches).toHaveLength(1);
  });

  it('names a raw backup file as such, once, with the way to fill days back, and needs no --stream', async () => {
    const problems: string[] = [];
    const raw = file(
      'tributary-local-raw/firehose/clickstream/2026/12/05/08/tributary-local-clickstream-1-x.gz',
      [JSON.stringify({ event_id: 'e1' }), JSON.stringify({ event_id: 'e2' })],
    );
    const batches = await readReplayBatches([raw], testPipeline, {
      onProblem: (name, line, problem) => problems.push(`${name}:${line}: ${problem}`),
    });
    expect(batches).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(
        /:0: a raw backup of clickstream \(firehose\/clickstream\/\): .*already in the lake.*twice.*tributary backfill --stream clickstream --from/,
      ),
    ]);
  });

  it('names the first few lines it cannot read and counts the rest, instead of one line each', async () => {
    const problems: string[] = [];
    const lines = Array.from({ length: 40 }, (_, i) => `{"line":${i}}`);
    await readReplayBatches([file('errors/clickstream/processing-failed/a', lines)], testPipeline, {
      onProblem: (name, line, problem) => problems.push(`${name}:${line}: ${problem}`),
    });
    expect(problems).toHaveLength(6);
    expect(problems[0]).toBe(
      'errors/clickstream/processing-failed/a:1: not a Firehose error record (no base64 rawData)',
    );
    expect(problems[5]).toBe(
      'errors/clickstream/processing-failed/a:0: 35 more lines like these (lines 6 to 40) were not replayed either',
    );
  });
});

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
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { localEnvironment, openLocalAthena } from '../../../src/lib/local/local-environment';
import { loadLocalHandlers } from '../../../src/lib/local/local-handlers';
import { runLocalPipeline } from '../../../src/lib/local/local-pipeline';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { captureIo } from '../../support/cli';

const today = new Date().toISOString().slice(0, 10);
const event = (id: string, type: string) =>
  Buffer.from(JSON.stringify({ event_id: id, event_type: type, event_time: `${today}T00:00:01Z` }));

let root: string;
let counts: ReadonlyArray<Record<string, unknown>>;
let landed: ReadonlyArray<Record<string, unknown>>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-duplicates-'));
  const pipeline = bundledPipeline();
  const environment = localEnvironment(root, pipeline.database);
  // a record Firehose reported failed although it was delivered, replayed: a first copy
  const errors = join(root, environment.lakeBucket, 'errors/clickstream/processing-failed', `dt=${today}`);
  await mkdir(errors, { recursive: true });
  await writeFile(
    join(errors, 'failed-once'),
    `${JSON.stringify({ errorCode: 'Lambda.FunctionError', rawData: event('twice', 'signup').toString('base64') })}\n`,
  );
  expect(await main(['replay', '--root', root, errors], captureIo())).toBe(0);
  // then the producer sends it twice more (a retry), beside an event sent once
  const handlers = await loadLocalHandlers(environment, pipeline);
  await runLocalPipeline(environment, pipeline, handlers, {
    date: today,
    streams: [
      {
        stream: 'clickstream',
        records: [event('twice', 'signup'), event('twice', 'signup'), event('once', 'signup')],
      },
    ],
    dynamodb: [],
  });
  const athena = await openLocalAthena(environment, pipeline);
  try {
    counts = (await athena.query(`SELECT event_type, events FROM daily_event_counts WHERE dt = '${today}'`))
      .rows;
    landed = (
      await athena.query(
        `SELECT event_id, count(*) AS copies FROM clickstream GROUP BY event_id ORDER BY event_id`,
      )
    ).rows;
  } finally {
    athena.close();
  }
}, 180_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a record delivered more than once', () => {
  it('is counted once by daily_event_counts', () => {
    expect(counts).toEqual([{ event_type: 'signup', events: expect.anything() }]);
    expect(Number(counts[0]!.events)).toBe(2);
  });

  it('stays in the lake as written, every copy', () => {
    expect(landed.map((row) => [row.event_id, Number(row.copies)])).toEqual([
      ['once', 1],
      ['twice', 3],
    ]);
  });
});

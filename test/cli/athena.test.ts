import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { LOCAL_BUCKETS } from '../../src/lib/config/storage';
import { localEnvironment } from '../../src/lib/local/local-environment';
import { loadLocalHandlers } from '../../src/lib/local/local-handlers';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { clickstreamEventJson } from '../../src/lib/samples/clickstream';
import { LocalObjectStore } from '../../src/lib/standins/s3/local-object-store';
import { listKeys } from '../../src/lib/storage/object-store';
import { captureIo } from '../support/cli';
import { writeClickstream } from '../support/lake-fixtures';
import { PROJECT_ROOT } from '../support/serverless';

const PLAN_RUN = join(PROJECT_ROOT, 'events/stepfunctions/plan-run.json');
const ID = '0b9c3f7e-1d2a-4e5f-8a6b-7c8d9e0f1a2b';

let root: string;
let publishEvent: unknown;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-athena-'));
  const events = Array.from({ length: 40 }, (_, i) => clickstreamEventJson(i));
  await writeClickstream(new LocalObjectStore(root), LOCAL_BUCKETS.lake, bundledPipeline(), events);
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('tributary athena', () => {
  it("runs a planned transform's CTAS on the local engine and prints the publishTransform event", async () => {
    const io = captureIo();
    expect(await main(['athena', PLAN_RUN, '--transform', 'daily_event_counts', '--root', root], io)).toBe(0);
    const event = JSON.parse(io.out());
    expect(event).toEqual({
      action: 'publish',
      run: expect.objectContaining({ transform: 'daily_event_counts', days: ['2026-11-20'] }),
    });
    const written = await listKeys(new LocalObjectStore(root), LOCAL_BUCKETS.lake, event.run.outputPrefix);
    expect(written.some((key) => key.endsWith('.parquet'))).toBe(true);
    const catalogued = join(root, '_catalog', 'tributary_local', `${event.run.stagingTable}.json`);
    expect(existsSync(catalogued)).toBe(true);
    publishEvent = event;
  }, 60_000);

  it("runs a load's query under the given execution id and prints the loader event naming it", async () => {
    const pipeline = bundledPipeline();
    const handlers = await loadLocalHandlers(localEnvironment(root, pipeline.database), pipeline);
    await handlers.publishTransform(publishEvent);
    const io = captureIo();
    const args = ['athena', PLAN_RUN, '--load', 'event_counts_to_mysql', '--query-execution-id', ID];
    expect({ code: await main([...args, '--root', root], io), err: io.err() }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(io.out())).toEqual({
      load: 'event_counts_to_mysql',
      table: 'daily_event_counts',
      mode: 'merge',
      keys: ['dt', 'event_type'],
      allowEmpty: false,
      queryExecutionId: ID,
    });
    const csv = await readFile(join(root, LOCAL_BUCKETS.results, `${ID}.csv`), 'utf8');
    expect(csv.split('\n')[0]).toContain('"event_type"');
  }, 60_000);

  it('refuses a root that holds no local lake, and creates nothing there', async () => {
    const mistyped = `${root}-mistyped`;
    const io = captureIo();
    expect(
      await main(['athena', PLAN_RUN, '--transform', 'daily_event_counts', '--root', mistyped], io),
    ).toBe(1);
    expect(io.err()).toContain(`no local lake at ${mistyped}: run npm start (tributary run) first`);
    expect(existsSync(mistyped)).toBe(false);
  });

  it('names the loads a run plans when asked for another, and refuses ids Athena would not give', async () => {
    const unknown = captureIo();
    expect(await main(['athena', PLAN_RUN, '--load', 'nope', '--root', root], unknown)).toBe(2);
    expect(unknown.err()).toContain(
      'the run plans no load nope; it plans: event_counts_to_mysql, users_to_mysql',
    );
    const badId = captureIo();
    const args = ['athena', PLAN_RUN, '--load', 'users_to_mysql', '--query-execution-id', '../../x'];
    expect(await main([...args, '--root', root], badId)).toBe(2);
    expect(badId.err()).toContain('--query-execution-id must be a lowercase UUID, not ../../x');
    const neither = captureIo();
    expect(await main(['athena', PLAN_RUN, '--root', root], neither)).toBe(2);
    expect(neither.err()).toContain('give --transform NAME or --load NAME');
  }, 60_000);
});

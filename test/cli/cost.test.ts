import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { measureLocalRun } from '../../src/lib/cost/measure-local-run';
import { localEnvironment } from '../../src/lib/local/local-environment';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { PROJECT_ROOT } from '../../src/lib/util/project-paths';
import { captureIo } from '../support/cli';

async function cost(...args: string[]) {
  const io = captureIo();
  const code = await main(['cost', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

/** The README's worked examples: a `text` block that starts with `$ npx tributary cost …`. */
function readmeExamples(): { args: string[]; output: string }[] {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```text\n\$ npx tributary cost ([^\n]*)\n([\s\S]*?)```/g)];
  return blocks.map((block) => ({ args: block[1]!.split(' '), output: block[2]! }));
}

describe('tributary cost', () => {
  it('prints the README’s two worked examples exactly as the README shows them', async () => {
    const examples = readmeExamples();
    expect(examples).toHaveLength(2);
    for (const example of examples) {
      const { code, out } = await cost(...example.args);
      expect(code).toBe(0);
      expect(out).toBe(example.output);
    }
  });

  it('itemises a month from flags, naming the three biggest items and what drives them', async () => {
    const { code, out } = await cost(
      '--stream',
      'clickstream:100000:900',
      '--table',
      'users:1000:1',
      '--stage',
      'dev',
    );
    expect(code).toBe(0);
    expect(out).toContain('Monthly estimate for stage dev in us-east-1');
    expect(out).toContain('stream clickstream: 100,000 events a day of 900 bytes');
    expect(out).toMatch(/Firehose +ingestion \(each record rounded up to 5 KB\) +14\.3 GB/);
    // dev has no schedule: no daily runs, so no transitions or nightly queries
    expect(out).toContain('the daily pipeline does not run: this stage has scheduleEnabled false');
    expect(out).toMatch(/Step Functions +state transitions .* 0 transitions +\$0\.00/);
    expect(out.match(/^ {2}[123]\. /gm)).toHaveLength(3);
    expect(out.match(/driven by: /g)).toHaveLength(3);
    expect(out).toMatch(/The param that changes it most: firehoseBufferSeconds 60 → 900/);
  });

  it('runs the pipeline as often as its schedule says, and refuses a schedule it cannot count', async () => {
    const twice = await cost(
      '--stream',
      'clickstream:1000:500',
      '--param',
      'pipelineSchedule=rate(12 hours)',
    );
    expect(twice.out).toMatch(/the daily pipeline runs 60 times/);
    const weekdays = await cost(
      '--stream',
      'clickstream:1000:500',
      '--param',
      'pipelineSchedule=cron(0 1 ? * MON-FRI *)',
    );
    expect(weekdays.code).toBe(2);
    expect(weekdays.err).toContain('reads rate(...) and daily cron(...) schedules only');
  });

  it('prices the stage in its region, and refuses a region without prices', async () => {
    const tokyo = await cost('--stream', 'clickstream:1000:500', '--region', 'ap-northeast-1');
    expect(tokyo.out).toContain('in ap-northeast-1');
    const paris = await cost('--stream', 'clickstream:1000:500', '--region', 'eu-west-3');
    expect(paris.code).toBe(1);
    expect(paris.err).toContain('no prices for region eu-west-3');
  });

  it.each([
    [[], /give one traffic source/],
    [['--profile', 'samples/cost/small.yml', '--from-run'], /give one traffic source/],
    [['--stream', 'clickstreem:10:10'], /streams\.clickstreem: pipeline\.yml has no such stream/],
    [['--table', 'users:10'], /tables\.users\.tableGB: is required|is not a number/],
  ])('refuses %j with a usage error', async (args, message) => {
    const { code, err } = await cost(...(args as string[]));
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('tributary cost --from-run', () => {
  const root = mkdtempSync(join(tmpdir(), 'tributary-cost-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('measures the profile of a real local run: events sent, changes captured, the table exported', async () => {
    const run = captureIo();
    expect(await main(['run', '--events', '200', '--root', root], run)).toBe(0);
    const changes = Number(/users \(DynamoDB\): (\d+) changes in/.exec(run.out())?.[1]);
    expect(changes).toBeGreaterThan(0);

    const environment = localEnvironment(root);
    const profile = await measureLocalRun(
      environment.store,
      { lake: environment.lakeBucket, raw: environment.rawBucket },
      bundledPipeline(),
    );
    expect(profile.streams.clickstream?.eventsPerDay).toBe(200);
    expect(profile.streams.clickstream?.averageEventBytes).toBeGreaterThan(100);
    expect(profile.tables.users?.changesPerDay).toBe(changes);
    expect(profile.tables.users?.tableGB).toBeGreaterThan(0);
    expect(profile.parquetRatio).toBeGreaterThan(0);
    expect(profile.parquetRatio).not.toBe(0.2);

    const { code, out } = await cost('--from-run', '--root', root, '--history-days', '30');
    expect(code).toBe(0);
    expect(out).toContain('profile measured from the local run');
    expect(out).toContain('stream clickstream: 200 events a day');
    expect(out).toContain(`table users: ${changes} changes a day`);
    expect(out).toContain('30 days of history');
  }, 120_000);

  it('says there is no local run in an empty root', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tributary-cost-empty-'));
    try {
      const { code, err } = await cost('--from-run', '--root', empty);
      expect(code).toBe(1);
      expect(err).toMatch(/no local lake|no local run/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

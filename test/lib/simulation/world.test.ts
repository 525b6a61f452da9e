import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import { type LocalEnvironment, localEnvironment } from '../../../src/lib/local/local-environment';
import type { LocalHandlers } from '../../../src/lib/local/local-handlers';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { DEFAULT_FAULTS, type FaultRates } from '../../../src/lib/simulation/faults';
import { SimRandom } from '../../../src/lib/simulation/random';
import { Scheduler } from '../../../src/lib/simulation/scheduler';
import { SimulatedWorld } from '../../../src/lib/simulation/world';

const START = Date.UTC(2026, 9, 1);
const CALM: FaultRates = Object.fromEntries(Object.keys(DEFAULT_FAULTS).map((k) => [k, 0])) as never;

async function worldWith(
  faults: Partial<FaultRates>,
  s3Flatten: (event: S3Event) => Promise<void>,
): Promise<{ world: SimulatedWorld; scheduler: Scheduler; environment: LocalEnvironment }> {
  const pipeline = bundledPipeline();
  const environment = localEnvironment(await mkdtemp(join(tmpdir(), 'tributary-world-')), pipeline.database);
  const handlers = { s3Flatten } as unknown as LocalHandlers;
  const scheduler = new Scheduler(START);
  const world = await SimulatedWorld.create(environment, pipeline, handlers, scheduler, new SimRandom(11), {
    ...CALM,
    ...faults,
  });
  return { world, scheduler, environment };
}

const CHANGE_FILE =
  'raw/dynamodb/users/dt=2026-10-01/label-4200000000000000001000-4200000000000000002000.ndjson.gz';

describe('SimulatedWorld', () => {
  it('delivers every S3 notification at least once, some twice and some a minute or more late', async () => {
    const calls: number[] = [];
    const { world, scheduler, environment } = await worldWith(
      { notificationDuplicate: 1, notificationLate: 1 },
      async () => void calls.push(scheduler.now - START),
    );
    world.schedule(START, 'write a change file', () =>
      environment.store.put(environment.rawBucket, CHANGE_FILE, Buffer.from('x')),
    );
    await scheduler.drain();
    expect(calls).toHaveLength(2);
    for (const delay of calls) {
      expect(delay).toBeGreaterThanOrEqual(60_000);
      expect(delay).toBeLessThanOrEqual(300_000);
    }
  });

  it('retries a failed asynchronous invocation twice, a minute and then two minutes later', async () => {
    const calls: number[] = [];
    const { world, scheduler, environment } = await worldWith({}, async () => {
      calls.push(scheduler.now);
      throw new Error('the flattener failed');
    });
    world.schedule(START, 'write a change file', () =>
      environment.store.put(environment.rawBucket, CHANGE_FILE, Buffer.from('x')),
    );
    await scheduler.drain();
    expect(calls).toHaveLength(3);
    expect([calls[1]! - calls[0]!, calls[2]! - calls[1]!]).toEqual([60_000, 120_000]);
    expect(world.failedNotifications).toEqual([{ key: CHANGE_FILE, reason: 'Error: the flattener failed' }]);
  });

  it('flushes a Firehose buffer when its interval has passed since its first record', async () => {
    const { world, scheduler } = await worldWith({}, async () => undefined);
    const flushed: number[] = [];
    const flush = world.flush.bind(world);
    world.flush = async (stream) => {
      flushed.push(scheduler.now - START);
      await flush(stream);
    };
    world.schedule(START + 1_000, 'send', () => world.putRecord('clickstream', Buffer.from('{}'), undefined));
    world.schedule(START + 50_000, 'send', () =>
      world.putRecord('clickstream', Buffer.from('{}'), undefined),
    );
    await scheduler.drain();
    expect(flushed).toEqual([301_000]);
  });
});

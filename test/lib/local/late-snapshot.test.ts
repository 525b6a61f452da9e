import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBRecord, S3Event } from 'aws-lambda';
import { printRunSummary } from '../../../src/cli/commands/run';
import { localEnvironment } from '../../../src/lib/local/local-environment';
import { loadLocalHandlers, localDynamoTableArn } from '../../../src/lib/local/local-handlers';
import { type LocalRunSummary, runLocalPipeline } from '../../../src/lib/local/local-pipeline';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { userStreamRecord } from '../../../src/lib/samples/users';
import type { NotificationDelivery } from '../../../src/lib/standins/s3/local-s3-notifications';
import { captureIo } from '../../support/cli';

const DAY = '2026-11-20';
const USERS = 1_050; // three export data files of at most 500 items
const LEGACY = 7; // this user's age is text: its export line is quarantined

let root: string;
let summary: LocalRunSummary;
const deliveries: number[] = [];

/** S3 late: nothing at the first check, then every file but one (some twice), then the last. */
const lateDelivery = (): NotificationDelivery => {
  const held: S3Event['Records'] = [];
  let check = 0;
  return async (notifications, flatten) => {
    held.push(...((await notifications.take())?.Records ?? []));
    check++;
    if (check === 1 || held.length === 0) {
      deliveries.push(0);
      return;
    }
    const now = check === 2 ? held.splice(0, held.length - 1) : held.splice(0);
    deliveries.push(now.length);
    await flatten({ Records: check === 2 ? [...now, ...now] : now });
  };
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-late-snapshot-'));
  const pipeline = bundledPipeline();
  const environment = localEnvironment(root, pipeline.database);
  const handlers = await loadLocalHandlers(environment, pipeline);
  const streamArn = `${localDynamoTableArn(environment, 'users')}/stream/${DAY}T00:00:00.000`;
  const records = Array.from({ length: USERS }, (_, i) => {
    const record = userStreamRecord(i + 1, 0, {
      sequence: BigInt(1000 + i),
      time: Date.parse(`${DAY}T01:00:00Z`) + i * 1000,
      streamArn,
    }) as unknown as DynamoDBRecord;
    if (i + 1 === LEGACY) (record.dynamodb!.NewImage as any).age = { S: 'forty' };
    return record;
  });
  summary = await runLocalPipeline(environment, pipeline, handlers, {
    date: DAY,
    streams: [],
    dynamodb: [{ table: 'users', records }],
    deliverNotifications: lateDelivery(),
  });
}, 180_000);
afterAll(() => rm(root, { recursive: true, force: true }));

const row = (table: string) => summary.tables.find((t) => t.table === table)!;

describe('a local run whose export data files reach the flattener late', () => {
  it('waits for every data file, flattening each once however often it is delivered', () => {
    expect(summary.execution.status).toBe('SUCCEEDED');
    expect(deliveries).toEqual([0, 2, 1]);
    const checks = summary.execution.steps.filter((s) => s.state === 'Check snapshot flattened');
    expect(checks).toHaveLength(3);
    expect(row('users_snapshot').rows).toBe(USERS - 1);
  });

  it('holds back users_current and the users load while a quarantined line leaves the snapshot partial, and says why', () => {
    const transformed = summary.execution.steps
      .filter((s) => s.state === 'Plan transform')
      .map((s) => s.subject);
    expect(transformed).not.toContain('users_current');
    expect(transformed).toContain('daily_event_counts');
    expect(summary.heldBack.map((h) => h.transform ?? h.load)).toEqual(['users_current', 'users_to_mysql']);
    expect(summary.heldBack[0]!.reason).toMatch(
      /users_snapshot is partial this run: 1 data file.*quarantine\.ndjson/,
    );
    expect((summary.execution.output as any).plan.heldBack).toEqual(summary.heldBack);
    const io = captureIo();
    printRunSummary(
      io,
      {
        root,
        lakeBucket: 'tributary-local-lake',
        rawBucket: 'tributary-local-raw',
        resultsBucket: 'tributary-local-results',
      },
      summary,
    );
    expect(io.out()).toContain('transform users_current held back: users_snapshot is partial this run');
  });
});

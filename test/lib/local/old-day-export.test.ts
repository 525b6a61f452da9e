import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { printRunSummary } from '../../../src/cli/commands/run';
import { localEnvironment } from '../../../src/lib/local/local-environment';
import { loadLocalHandlers, localDynamoTableArn } from '../../../src/lib/local/local-handlers';
import { type LocalRunSummary, runLocalPipeline } from '../../../src/lib/local/local-pipeline';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { userStreamRecord } from '../../../src/lib/samples/users';
import { captureIo } from '../../support/cli';

// older than the 35 days point-in-time recovery keeps, whenever the test runs
const DAY = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);
const USERS = 30;

let root: string;
let summary: LocalRunSummary;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-old-day-export-'));
  const pipeline = bundledPipeline();
  const environment = localEnvironment(root, pipeline.database);
  const handlers = await loadLocalHandlers(environment, pipeline);
  const streamArn = `${localDynamoTableArn(environment, 'users')}/stream/${DAY}T00:00:00.000`;
  const records = Array.from(
    { length: USERS },
    (_, i) =>
      userStreamRecord(i + 1, 0, {
        sequence: BigInt(1000 + i),
        time: Date.parse(`${DAY}T01:00:00Z`) + i * 1000,
        streamArn,
      }) as unknown as DynamoDBRecord,
  );
  summary = await runLocalPipeline(environment, pipeline, handlers, {
    date: DAY,
    streams: [],
    dynamodb: [{ table: 'users', records }],
  });
}, 180_000);
afterAll(() => rm(root, { recursive: true, force: true }));

const rows = (table: string) => summary.tables.find((t) => t.table === table)?.rows;

describe('a local run of a day older than the recovery window', () => {
  it('skips the export DynamoDB would refuse, says why, and still transforms', () => {
    expect(summary.execution.error).toBeUndefined();
    expect(summary.execution.status).toBe('SUCCEEDED');
    expect(summary.execution.steps.some((s) => s.state === 'Start DynamoDB export')).toBe(false);
    expect(summary.exports).toEqual([
      {
        table: 'users',
        note: expect.stringMatching(
          /^export skipped: users: export time .* is before the earliest restorable time/,
        ),
      },
    ]);
    expect(rows('users_snapshot')).toBe(0);
    // users_current reads the changes when there is no snapshot before them
    expect(rows('users_current')).toBe(USERS);
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
    expect(io.out()).toContain('users export skipped: users: export time');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import planEvent from '../../events/stepfunctions/rewrite-lake-plan.json';

let root: string;
let handler: (event: unknown, context: Context) => Promise<unknown>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-rewrite-lake-handler-'));
  process.env.TRIBUTARY_LOCAL_ROOT = root;
  process.env.TRIBUTARY_DATABASE = 'tributary_local';
  process.env.TRIBUTARY_TRANSFORM_WORKGROUP = 'tributary-local-transforms';
  process.env.TRIBUTARY_LAKE_START_DATE = '2026-01-01';
  jest.isolateModules(() => {
    handler = require('../../src/handlers/rewrite-lake').handler;
  });
});
afterAll(async () => {
  for (const name of [
    'TRIBUTARY_LOCAL_ROOT',
    'TRIBUTARY_DATABASE',
    'TRIBUTARY_TRANSFORM_WORKGROUP',
    'TRIBUTARY_LAKE_START_DATE',
  ])
    delete process.env[name];
  await rm(root, { recursive: true, force: true });
});

const context = { functionName: 'rewriteLake', awsRequestId: 'test' } as Context;

describe('the rewriteLake handler', () => {
  it('plans the days the state machine’s Plan days task asks for, from the execution’s start', async () => {
    const plan = (await handler(planEvent, context)) as { days: Array<{ stream: string; dt: string }> };
    expect(plan.days.length).toBeGreaterThan(0);
    expect(plan.days.every((d) => d.dt === '2026-11-18')).toBe(true);
  });

  it('says a day without files is empty', async () => {
    const prepared = await handler(
      { action: 'prepare', stream: 'clickstream', dt: '2026-11-18', round: 0, options: {} },
      context,
    );
    expect(prepared).toEqual({ status: 'empty', remaining: 0 });
  });

  it('fails an unknown action with RewriteRequestError, naming the actions', async () => {
    await expect(handler({ action: 'compact' }, context)).rejects.toMatchObject({
      name: 'RewriteRequestError',
      message: expect.stringContaining('plan, rebuild, prepare, commit, discard or cleanup'),
    });
  });
});

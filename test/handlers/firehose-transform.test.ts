import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { drainLocalInbox } from '../../src/lib/standins/firehose/local-firehose';
import { decodeData, firehoseEvent } from '../support/firehose';

const context = { functionName: 'tributary-test-firehoseTransform', awsRequestId: 'req-1' } as Context;

async function loadHandler(env: Record<string, string>) {
  Object.assign(process.env, {
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    TRIBUTARY_LAKE_START_DATE: '2024-01-01',
    ...env,
  });
  let module!: typeof import('../../src/handlers/firehose-transform');
  await jest.isolateModulesAsync(async () => {
    module = await import('../../src/handlers/firehose-transform');
  });
  return (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> =>
    module.handler(event, context);
}

describe('firehoseTransform handler', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tributary-handler-'));
  });
  afterEach(async () => {
    delete process.env.POWERTOOLS_DEV;
    await rm(root, { recursive: true, force: true });
  });

  it('flattens the shipped stream with the bundled pipeline description', async () => {
    const handler = await loadHandler({
      TRIBUTARY_STREAM_PREFIX: 'tributary-test-',
      TRIBUTARY_LOCAL_ROOT: root,
    });
    const response = await handler(
      firehoseEvent([
        '{"event_time":"2026-11-20T09:15:02Z","event_id":"e1","user":{"traits":{"plan":"pro"}}}',
      ]),
    );
    expect(response.records[0]).toMatchObject({
      result: 'Ok',
      metadata: { partitionKeys: { dt: '2026-11-20', hour: '09' } },
    });
    expect(decodeData(response.records[0]!.data)).toBe(
      '{"event_id":"e1","event_time":"2026-11-20T09:15:02Z","user__traits__plan":"pro"}\n',
    );
  });

  it('keeps a real 6 MB response under the limit by re-ingesting into the local stream', async () => {
    const handler = await loadHandler({
      TRIBUTARY_STREAM_PREFIX: 'tributary-test-',
      TRIBUTARY_LOCAL_ROOT: root,
    });
    // deep paths repeat in every column name, so these records grow about tenfold when flattened
    const leaves = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]));
    const deep = { level_one_key: { level_two_key: { level_three_key: { level_four_key: leaves } } } };
    const payloads = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ event_id: `e${i}`, ...deep }));
    const event = firehoseEvent(payloads);
    const response = await handler(event);

    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(6_000_000);
    const dropped = response.records.flatMap((r, i) => (r.result === 'Dropped' ? [i] : []));
    expect(dropped.length).toBeGreaterThan(0);
    expect(response.records.every((r) => r.result === 'Ok' || r.result === 'Dropped')).toBe(true);
    const reingested = (await drainLocalInbox(root, 'tributary-test-clickstream')).map((b) => b.toString());
    expect(reingested).toEqual(dropped.map((i) => payloads[i]));
  });

  it('files events dated before the lake or in the future under their arrival time and counts them', async () => {
    const handler = await loadHandler({
      TRIBUTARY_STREAM_PREFIX: 'tributary-test-',
      TRIBUTARY_LOCAL_ROOT: root,
      TRIBUTARY_LAKE_START_DATE: '2024-01-01',
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    });
    const now = new Date();
    const nextYear = `${now.getUTCFullYear() + 1}-03-04T05:06:07Z`;
    const event = firehoseEvent([
      '{"event_id":"old","event_time":"2019-06-01T10:00:00Z"}',
      `{"event_id":"ahead","event_time":"${nextYear}"}`,
    ]);
    for (const record of event.records) record.approximateArrivalTimestamp = now.getTime();
    // in dev mode Powertools writes through the global console: metrics (EMF) and logs, a JSON document a call
    const written = (['log', 'info', 'warn', 'error'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation(() => undefined),
    );
    let response: FirehoseTransformationResult;
    let lines: string[];
    try {
      response = await handler(event);
    } finally {
      lines = written.flatMap((spy) => spy.mock.calls.map(([text]) => String(text)));
      for (const spy of written) spy.mockRestore();
    }
    const arrival = { dt: now.toISOString().slice(0, 10), hour: now.toISOString().slice(11, 13) };
    expect(response.records.map((r) => r.metadata?.partitionKeys)).toEqual([arrival, arrival]);
    expect(response.records.map((r) => decodeData(r.data))).toEqual([
      '{"event_id":"old","event_time":"2019-06-01T10:00:00Z"}\n',
      `{"event_id":"ahead","event_time":"${nextYear}"}\n`,
    ]);
    const emf = lines.map((line) => JSON.parse(line)).find((entry) => entry._aws?.CloudWatchMetrics);
    expect(emf).toMatchObject({ stream: 'clickstream', EventTimesOutOfRange: 2 });
    const warnings = lines.filter((line) => line.includes('dated outside the days the lake serves'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ stream: 'clickstream', outOfRange: 2 });
  });

  it('refuses to start without its configuration, naming what is missing', async () => {
    delete process.env.TRIBUTARY_STREAM_PREFIX;
    await expect(loadHandler({})).rejects.toThrow('TRIBUTARY_STREAM_PREFIX: expected a non-empty string');
  });
});

import type { FirehoseTransformationEvent, FirehoseTransformationEventRecord } from 'aws-lambda';
import { type Pipeline, parsePipeline } from '../../src/lib/pipeline/pipeline';
import directPut from '../fixtures/events/firehose/direct-put.json';

export const TEST_PREFIX = 'tributary-test-';

/** The real Direct PUT event, cloned, with one record per payload (strings are sent as UTF-8). */
export function firehoseEvent(
  payloads: ReadonlyArray<string | Buffer>,
  streamName = 'clickstream',
): FirehoseTransformationEvent {
  const event = structuredClone(directPut) as FirehoseTransformationEvent;
  const template = event.records[0]!;
  event.deliveryStreamArn = event.deliveryStreamArn.replace(/[^/]+$/, `${TEST_PREFIX}${streamName}`);
  event.records = payloads.map(
    (payload, i): FirehoseTransformationEventRecord => ({
      ...template,
      recordId: `${template.recordId.slice(0, -6)}${String(i).padStart(6, '0')}`,
      approximateArrivalTimestamp: template.approximateArrivalTimestamp + i,
      data: Buffer.from(payload).toString('base64'),
    }),
  );
  return event;
}

export function decodeData(data: string | undefined): string {
  return Buffer.from(data ?? '', 'base64').toString('utf8');
}

export const testPipeline: Pipeline = parsePipeline({
  database: 'lake',
  streams: [
    {
      name: 'clickstream',
      eventTime: 'event_time',
      keys: ['event_id'],
      columns: [
        { name: 'event_id', type: 'string' },
        { name: 'event_time', type: 'timestamp' },
        { name: 'user__id', type: 'bigint' },
      ],
    },
    {
      name: 'private',
      keys: ['id'],
      flatten: { hash: ['email'] },
      columns: [
        { name: 'id', type: 'string' },
        { name: 'email', type: 'string' },
      ],
    },
  ],
});

import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { ObjectStore } from '../../storage/object-store';
import { encodeS3EventKey } from '../../storage/s3-event-key';

/**
 * Hands the notifications S3 has not delivered yet to the flattener. The local run calls it where
 * time passes for S3 (each `Check snapshot flattened` step), never inside the step that wrote the
 * objects; a simulation can deliver late, in part, twice or out of order instead.
 */
export type NotificationDelivery = (
  notifications: LocalS3Notifications,
  flatten: (event: S3Event) => Promise<void>,
) => Promise<void>;

/** Delivers every pending notification, once, in one event. */
export const deliverPending: NotificationDelivery = async (notifications, flatten) => {
  const event = await notifications.take();
  if (event) await flatten(event);
};

/** One notification rule of a bucket, as serverless.yml configures it for the raw bucket. */
export interface NotificationFilter {
  readonly prefix: string;
  readonly suffix: string;
}

/**
 * S3 event notifications on this machine: after a handler ran, `take()` returns the ObjectCreated
 * event S3 would have sent for every object that appeared under the filters since the last call
 * (or since creation, so objects already there from an earlier run are not delivered again). An
 * object written again, even with the same key, is delivered again, as S3 notifies every PUT.
 */
export class LocalS3Notifications {
  /** key → size and time of the version last delivered */
  private readonly seen = new Map<string, string>();
  private sequencer = 0;

  private constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly filters: readonly NotificationFilter[],
  ) {}

  static async watch(
    store: ObjectStore,
    bucket: string,
    filters: readonly NotificationFilter[],
  ): Promise<LocalS3Notifications> {
    const notifications = new LocalS3Notifications(store, bucket, filters);
    await notifications.newObjects();
    return notifications;
  }

  async take(): Promise<S3Event | undefined> {
    const records = (await this.newObjects()).map(({ key, size }) => this.record(key, size));
    return records.length > 0 ? { Records: records } : undefined;
  }

  private async newObjects(): Promise<Array<{ key: string; size: number }>> {
    const found: Array<{ key: string; size: number }> = [];
    for (const filter of this.filters) {
      for await (const object of this.store.list(this.bucket, filter.prefix)) {
        const version = `${object.size}@${object.lastModified ?? ''}`;
        if (!object.key.endsWith(filter.suffix) || this.seen.get(object.key) === version) continue;
        this.seen.set(object.key, version);
        found.push(object);
      }
    }
    return found;
  }

  private record(key: string, size: number): S3EventRecord {
    return {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'local',
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'local' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'local', 'x-amz-id-2': 'local' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'tributary-local',
        bucket: {
          name: this.bucket,
          ownerIdentity: { principalId: 'local' },
          arn: `arn:aws:s3:::${this.bucket}`,
        },
        object: {
          key: encodeS3EventKey(key),
          size,
          eTag: '0'.repeat(32),
          sequencer: (++this.sequencer).toString(16).padStart(16, '0').toUpperCase(),
        },
      },
    };
  }
}

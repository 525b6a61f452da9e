import { SeededRandom } from './random';

/**
 * A `users` table as a product keeps it in DynamoDB, in DynamoDB JSON: every attribute type
 * (S, N up to 38 digits, B, BOOL, NULL, M, L, SS, NS, BS), nested maps and lists.
 */
export function userItem(index: number, version = 0, seed = 11): Record<string, unknown> {
  const random = new SeededRandom(seed * 7_919 + index * 31 + version);
  const id = `u_${String(index).padStart(6, '0')}`;
  const created = Date.UTC(2025, 0, 1) + index * 3_600_000;
  const item: Record<string, unknown> = {
    user_id: { S: id },
    email: { S: `user${index}@example.com` },
    displayName: { S: `${random.pick(['Ada', 'Grace', 'Hedy', 'Katherine', 'Radia', 'Shafi'])} ${index}` },
    age: { N: String(random.int(18, 90)) },
    lifetimeValue: {
      N: `${random.int(0, 99_999_999)}${String(random.int(0, 999_999_999)).padStart(9, '0')}.${random.hex(10).replace(/[a-f]/g, '7')}`,
    },
    isActive: { BOOL: version % 3 !== 2 },
    deletedAt: { NULL: true },
    avatar: { B: Buffer.from(random.hex(12), 'hex').toString('base64') },
    tags: { SS: ['beta', random.pick(['mobile', 'web', 'api']), `cohort-${index % 12}`] },
    scores: { NS: [String(random.int(1, 100)), `${random.int(0, 9)}.${random.int(0, 99)}`] },
    badges: { BS: [Buffer.from([1, index % 256]).toString('base64')] },
    address: {
      M: {
        city: { S: random.pick(['Tokyo', 'Berlin', 'Lagos', 'Lima']) },
        zip: { S: String(random.int(10_000, 99_999)) },
        geo: {
          M: {
            lat: { N: (random.next() * 180 - 90).toFixed(6) },
            lon: { N: (random.next() * 360 - 180).toFixed(6) },
          },
        },
      },
    },
    devices: {
      L: [
        {
          M: {
            type: { S: random.pick(['ios', 'android', 'web']) },
            lastSeen: { N: String(created + version * 60_000) },
          },
        },
        { S: 'legacy-device' },
      ],
    },
    createdAt: { S: new Date(created).toISOString() },
    updatedAt: { N: String(created + version * 86_400_000) },
    plan: {
      M: { tier: { S: random.pick(['free', 'pro', 'team']) }, seats: { N: String(random.int(1, 50)) } },
    },
  };
  return item;
}

export type ChangeEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/**
 * A DynamoDB Streams record (NEW_AND_OLD_IMAGES) as Lambda delivers it, for item `index` at
 * `version` (0 inserts, then modifies; `remove` deletes it).
 */
export function userStreamRecord(
  index: number,
  version: number,
  options: { remove?: boolean; sequence: bigint; time: number; streamArn: string },
): Record<string, unknown> {
  const eventName: ChangeEventName = options.remove ? 'REMOVE' : version === 0 ? 'INSERT' : 'MODIFY';
  const keys = { user_id: { S: `u_${String(index).padStart(6, '0')}` } };
  const record: Record<string, unknown> = {
    ApproximateCreationDateTime: Math.floor(options.time / 1000),
    Keys: keys,
    SequenceNumber: options.sequence.toString(),
    SizeBytes: 900,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  };
  if (eventName !== 'REMOVE') record.NewImage = userItem(index, version);
  if (eventName !== 'INSERT') record.OldImage = userItem(index, Math.max(0, version - 1));
  return {
    eventID: new SeededRandom(Number(options.sequence % 1_000_000_007n)).hex(32),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: record,
    eventSourceARN: options.streamArn,
  };
}

export interface UserChangesOptions {
  readonly users: number;
  /** Midnight UTC of the day the changes happen. */
  readonly day: number;
  readonly streamArn: string;
}

export const USER_CHANGES_DEFAULTS: UserChangesOptions = {
  users: 120,
  day: Date.UTC(2026, 10, 20),
  streamArn:
    'arn:aws:dynamodb:us-east-1:000000000000:table/tributary-local-users/stream/2026-11-01T00:00:00.000',
};

/**
 * A day of a users table's stream, in order: every user inserted, two in three modified once or
 * twice, one in twelve deleted, and one legacy item whose `age` is text, as old application
 * versions wrote it (the lake's int column cannot hold it, so that change is quarantined).
 */
export function* userChanges(
  options: UserChangesOptions = USER_CHANGES_DEFAULTS,
): Generator<Record<string, unknown>> {
  const changes: Array<{ index: number; version: number; remove: boolean; at: number }> = [];
  // inserts in the first quarter of the day, then changes a quarter apart: all within the day
  const spread = 86_400_000 / (options.users * 4);
  for (let index = 1; index <= options.users; index++) {
    const inserted = options.day + Math.floor(index * spread);
    changes.push({ index, version: 0, remove: false, at: inserted });
    const modifications = index % 3 === 0 ? 0 : index % 3;
    for (let version = 1; version <= modifications; version++) {
      changes.push({ index, version, remove: false, at: inserted + version * options.users * spread });
    }
    if (index % 12 === 0) {
      changes.push({
        index,
        version: modifications + 1,
        remove: true,
        at: inserted + 2.5 * options.users * spread,
      });
    }
  }
  changes.sort((a, b) => a.at - b.at || a.index - b.index);
  let sequence = 4_100_000_000_000_000_000_000n;
  for (const change of changes) {
    sequence += 1_000n;
    const record = userStreamRecord(change.index, change.version, {
      remove: change.remove,
      sequence,
      time: change.at,
      streamArn: options.streamArn,
    });
    if (change.index === 7 && change.version === 0) {
      const image = (record.dynamodb as { NewImage: Record<string, unknown> }).NewImage;
      image.age = { S: 'unknown' };
    }
    yield record;
  }
}

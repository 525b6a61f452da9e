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
    displayName: { S: random.pick(['Ada', 'Grace', 'Hedy', 'Katherine', 'Radia', 'Shafi']) + ` ${index}` },
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

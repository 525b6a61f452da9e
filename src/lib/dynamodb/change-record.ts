import { AttributeValueError, checkNesting } from './attribute-value';

export const ChangeOperation = { insert: 'INSERT', modify: 'MODIFY', remove: 'REMOVE' } as const;
export type ChangeOperation = (typeof ChangeOperation)[keyof typeof ChangeOperation];

/**
 * One line of a raw change file: a DynamoDB stream record, images still in DynamoDB JSON, so the
 * raw prefix keeps exactly what the stream said and the flattener can be re-run on it.
 */
export interface ChangeRecord {
  readonly eventName: ChangeOperation;
  readonly eventID: string;
  readonly sequenceNumber: string;
  /** Epoch seconds, as the stream reports it. */
  readonly approximateCreationTime: number;
  readonly keys: Record<string, unknown>;
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
  /** Present for deletes done by TTL (`{"type":"Service","principalId":"dynamodb.amazonaws.com"}`). */
  readonly userIdentity?: unknown;
}

export class ChangeRecordError extends Error {
  override readonly name = 'ChangeRecordError';
}

const SEQUENCE_NUMBER = /^\d{1,40}$/;
const OPERATIONS: readonly string[] = Object.values(ChangeOperation);

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape Lambda delivers for a DynamoDB stream record and keeps what the lake needs. */
export function changeRecordFromStream(record: unknown): ChangeRecord {
  if (!isMap(record) || !isMap(record.dynamodb)) throw new ChangeRecordError('not a DynamoDB stream record');
  const change = record.dynamodb;
  const eventName = record.eventName;
  if (typeof eventName !== 'string' || !OPERATIONS.includes(eventName)) {
    throw new ChangeRecordError(
      `eventName must be INSERT, MODIFY or REMOVE, got ${JSON.stringify(eventName)}`,
    );
  }
  if (typeof change.SequenceNumber !== 'string' || !SEQUENCE_NUMBER.test(change.SequenceNumber)) {
    throw new ChangeRecordError(
      `SequenceNumber must be digits, got ${JSON.stringify(change.SequenceNumber)}`,
    );
  }
  if (!isMap(change.Keys)) throw new ChangeRecordError('Keys is missing');
  if (eventName !== 'REMOVE' && !isMap(change.NewImage)) {
    throw new ChangeRecordError(`${eventName} has no NewImage: the stream must use NEW_AND_OLD_IMAGES`);
  }
  for (const [name, image] of [
    ['Keys', change.Keys],
    ['NewImage', change.NewImage],
    ['OldImage', change.OldImage],
  ] as const) {
    try {
      checkNesting(image, name);
    } catch (error) {
      if (error instanceof AttributeValueError) throw new ChangeRecordError(error.message);
      throw error;
    }
  }
  const time = change.ApproximateCreationDateTime;
  if (typeof time !== 'number' || !Number.isFinite(time))
    throw new ChangeRecordError('ApproximateCreationDateTime is missing');
  return {
    eventName: eventName as ChangeOperation,
    eventID: typeof record.eventID === 'string' ? record.eventID : '',
    sequenceNumber: change.SequenceNumber,
    approximateCreationTime: time,
    keys: change.Keys,
    ...(isMap(change.NewImage) ? { newImage: change.NewImage } : {}),
    ...(isMap(change.OldImage) ? { oldImage: change.OldImage } : {}),
    ...(record.userIdentity !== undefined ? { userIdentity: record.userIdentity } : {}),
  };
}

/** Reads one line of a change file back; malformed lines are reported, never skipped silently. */
export function parseChangeLine(line: string): ChangeRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new ChangeRecordError(`invalid JSON: ${(error as Error).message}`);
  }
  if (!isMap(value)) throw new ChangeRecordError('a change line must be a JSON object');
  if (typeof value.eventName !== 'string' || !OPERATIONS.includes(value.eventName)) {
    throw new ChangeRecordError(
      `eventName must be INSERT, MODIFY or REMOVE, got ${JSON.stringify(value.eventName)}`,
    );
  }
  if (typeof value.sequenceNumber !== 'string' || !SEQUENCE_NUMBER.test(value.sequenceNumber)) {
    throw new ChangeRecordError('sequenceNumber must be digits');
  }
  if (!isMap(value.keys)) throw new ChangeRecordError('keys is missing');
  if (typeof value.approximateCreationTime !== 'number')
    throw new ChangeRecordError('approximateCreationTime is missing');
  if (value.eventName !== 'REMOVE' && !isMap(value.newImage))
    throw new ChangeRecordError(`${value.eventName} has no newImage`);
  return value as unknown as ChangeRecord;
}

/** The item a change leaves behind: the new image, or for a delete the old image (or just the keys). */
export function changedItem(change: ChangeRecord): Record<string, unknown> {
  const item = change.eventName === 'REMOVE' ? (change.oldImage ?? change.keys) : change.newImage;
  if (!item) throw new AttributeValueError('newImage', 'missing');
  return item;
}

/** Sequence numbers are up to 40 digits: zero-padded, text order is stream order. */
export function sortableSequence(sequenceNumber: string): string {
  return sequenceNumber.padStart(40, '0');
}

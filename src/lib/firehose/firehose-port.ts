/** The one Firehose call the transform needs, behind a port so local runs and tests need no AWS. */
export interface FirehosePort {
  putRecordBatch(deliveryStreamName: string, records: readonly Uint8Array[]): Promise<PutRecordBatchOutcome>;
}

export interface PutRecordBatchOutcome {
  /** Positions (within the call) of records Firehose did not accept, with its error code. */
  readonly failed: ReadonlyArray<{ readonly index: number; readonly errorCode: string }>;
}

/** PutRecordBatch limits: 500 records and 4 MiB per call. */
export const PUT_RECORD_BATCH_MAX_RECORDS = 500;
export const PUT_RECORD_BATCH_MAX_BYTES = 4 * 1024 * 1024;

export function deliveryStreamNameFromArn(arn: string): string {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  if (!arn.startsWith('arn:') || !arn.includes(':deliverystream/') || name === '') {
    throw new Error(`Not a Firehose delivery stream ARN: ${arn}`);
  }
  return name;
}

import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { FirehosePort, PutRecordBatchOutcome } from './firehose-port';

export function awsFirehose(client: FirehoseClient): FirehosePort {
  return {
    async putRecordBatch(deliveryStreamName, records): Promise<PutRecordBatchOutcome> {
      const response = await client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: deliveryStreamName,
          Records: records.map((data) => ({ Data: data })),
        }),
      );
      if (!response.FailedPutCount) return { failed: [] };
      const failed: Array<{ index: number; errorCode: string }> = [];
      response.RequestResponses?.forEach((entry, index) => {
        if (entry.ErrorCode) failed.push({ index, errorCode: entry.ErrorCode });
      });
      return { failed };
    },
  };
}

import type { FirehosePort, PutRecordBatchOutcome } from './firehose-port';

type FirehoseSdk = typeof import('@aws-sdk/client-firehose');

/**
 * Firehose through the AWS SDK. The SDK is loaded and its client created on the first call, once
 * per container: re-ingestion is rare, and loading it up front would add tens of milliseconds to
 * every cold start.
 */
export function awsFirehose(
  loadSdk: () => Promise<FirehoseSdk> = () => import('@aws-sdk/client-firehose'),
  /** The delivery streams' region; unset, the SDK's (AWS_REGION in Lambda). */
  region?: string,
): FirehosePort {
  let ready: Promise<{ sdk: FirehoseSdk; client: InstanceType<FirehoseSdk['FirehoseClient']> }> | undefined;
  return {
    async putRecordBatch(deliveryStreamName, records): Promise<PutRecordBatchOutcome> {
      ready ??= loadSdk().then((sdk) => ({ sdk, client: new sdk.FirehoseClient(region ? { region } : {}) }));
      const { sdk, client } = await ready;
      const response = await client.send(
        new sdk.PutRecordBatchCommand({
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

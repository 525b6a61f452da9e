import type { DescribeCapturedTable } from './preflight';

/**
 * DescribeTable and DescribeContinuousBackups of a captured table, in the stage's region. The
 * client is required when first used, so `tributary doctor --offline` never loads the SDK.
 */
export function awsDescribeCapturedTable(region: string): DescribeCapturedTable {
  const sdk: typeof import('@aws-sdk/client-dynamodb') = require('@aws-sdk/client-dynamodb');
  const client = new sdk.DynamoDBClient({ region, maxAttempts: 2 });
  return async (tableArn) => {
    const [{ Table }, { ContinuousBackupsDescription }] = await Promise.all([
      client.send(new sdk.DescribeTableCommand({ TableName: tableArn })),
      client.send(new sdk.DescribeContinuousBackupsCommand({ TableName: tableArn })),
    ]);
    const stream = Table?.StreamSpecification;
    return {
      streamViewType: stream?.StreamEnabled ? stream.StreamViewType : undefined,
      latestStreamArn: Table?.LatestStreamArn,
      pointInTimeRecovery:
        ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED',
    };
  };
}

/** Whether this environment names AWS credentials at all (keys, a profile, a role, a config file). */
export function environmentHasAwsCredentials(env: NodeJS.ProcessEnv, configFileExists: boolean): boolean {
  return (
    configFileExists ||
    Boolean(
      env.AWS_ACCESS_KEY_ID ||
        env.AWS_PROFILE ||
        env.AWS_WEB_IDENTITY_TOKEN_FILE ||
        env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
        env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
    )
  );
}

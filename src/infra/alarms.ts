import { UNDECLARED_COLUMNS_METRIC } from '../lib/firehose/report';
import { LakeLayout } from '../lib/pipeline/lake-layout';
import type { Pipeline, StreamSpec } from '../lib/pipeline/pipeline';
import { declaredSources } from '../lib/sources/registry';
import { forSource, type PerSourceKind } from '../lib/sources/source-kind';
import { bucketName, type Cfn, deliveryStreamName, getAtt, LogicalId, ref, resourcePrefix } from './names';
import type { StackSettings } from './settings';

function alarm(
  description: string | Cfn,
  metric: Cfn,
  threshold: number,
  comparison = 'GreaterThanOrEqualToThreshold',
  { period = 300, missingData = 'notBreaching' }: { period?: number; missingData?: string } = {},
): Cfn {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      ...metric,
      Period: period,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: comparison,
      TreatMissingData: missingData,
      AlarmActions: [ref(LogicalId.alertsTopic)],
      OKActions: [ref(LogicalId.alertsTopic)],
    },
  };
}

/** What the undeclared-fields alarm of a stream tells the alerts topic to do. */
function undeclaredFieldsAdvice(settings: StackSettings, stream: string): Cfn {
  return {
    'Fn::Join': [
      '',
      [
        `Records of ${stream} carry fields pipeline.yml does not declare, and Parquet conversion leaves them out. To see them with their types and counts and the lines to add: aws s3 cp --recursive s3://`,
        bucketName(settings, 'raw'),
        `/${LakeLayout.firehoseBackup(stream)}YYYY/MM/DD/ ${stream}-raw && tributary schema diff --table ${stream} ${stream}-raw`,
      ],
    ],
  };
}
/**
 * The alarms of one source, by kind. A stream's records that failed to flatten, its delivery
 * falling behind, and its going quiet; a DynamoDB table's failures are alarmed once for all tables
 * (the stream Lambda's and the flattener's alarms above).
 */
const SOURCE_ALARMS: PerSourceKind<[StackSettings], Cfn> = {
  stream: (stream, settings) => {
    const alarms: Cfn = {};
    const id = LogicalId.deliveryStream(stream.name);
    alarms[`${id}FailedRecordsAlarm`] = alarm(
      `Records of ${stream.name} failed to flatten and wait in the processing-failed prefix for a replay`,
      {
        Namespace: 'Tributary',
        MetricName: 'RecordsFailed',
        Dimensions: [
          { Name: 'service', Value: 'firehoseTransform' },
          { Name: 'stream', Value: stream.name },
        ],
        Statistic: 'Sum',
      },
      1,
    );
    alarms[`${id}UndeclaredFieldsAlarm`] = alarm(
      undeclaredFieldsAdvice(settings, stream.name),
      {
        Namespace: 'Tributary',
        MetricName: UNDECLARED_COLUMNS_METRIC,
        Dimensions: [
          { Name: 'service', Value: 'firehoseTransform' },
          { Name: 'stream', Value: stream.name },
        ],
        Statistic: 'Sum',
      },
      1,
    );
    alarms[`${id}FreshnessAlarm`] = alarm(
      `Data of ${stream.name} is older than expected: delivery to S3 is falling behind`,
      {
        Namespace: 'AWS/Firehose',
        MetricName: 'DeliveryToS3.DataFreshness',
        Dimensions: [{ Name: 'DeliveryStreamName', Value: deliveryStreamName(settings, stream.name) }],
        Statistic: 'Maximum',
      },
      settings.firehoseBufferSeconds * 2 + 900,
      'GreaterThanThreshold',
    );
    if (stream.expect && settings.quietStreamAlarms)
      Object.assign(alarms, quietStreamAlarms(id, stream, settings));
    return alarms;
  },
  dynamodb: () => ({}),
};

/** The stage's alert topic (e-mail from params) and the alarms that say data is not flowing. */
export function alarmResources(pipeline: Pipeline, settings: StackSettings): Cfn {
  const resources: Cfn = {
    [LogicalId.alertsTopic]: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: `${resourcePrefix(settings)}-alerts`,
        DisplayName: `Tributary ${settings.stage} alerts`,
      },
    },
    FirehoseTransformErrorsAlarm: alarm(
      'The Firehose transform Lambda failed; Firehose retries, then writes the batch to the error prefix',
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: ref(LogicalId.firehoseTransformFunction) }],
        Statistic: 'Sum',
      },
      1,
    ),
  };
  const lambdaErrors = (functionId: string, what: string) =>
    alarm(
      what,
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: ref(functionId) }],
        Statistic: 'Sum',
      },
      1,
    );
  resources.DynamodbStreamErrorsAlarm = lambdaErrors(
    LogicalId.dynamodbStreamFunction,
    'The DynamoDB stream Lambda failed; the batch is retried, bisected, then parked at the failure destination',
  );
  resources.DynamodbStreamIteratorAgeAlarm = alarm(
    'DynamoDB changes wait more than 15 minutes to be captured',
    {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: ref(LogicalId.dynamodbStreamFunction) }],
      Statistic: 'Maximum',
    },
    900_000,
    'GreaterThanThreshold',
  );
  resources.S3FlattenErrorsAlarm = lambdaErrors(
    LogicalId.s3FlattenFunction,
    'The flattener failed on an object; S3 retries twice, then the event waits in the failure queue',
  );
  resources.S3FlattenFailuresAlarm = alarm(
    'S3 events the flattener could not process are waiting in its failure queue',
    {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(LogicalId.flattenFailuresQueue, 'QueueName') }],
      Statistic: 'Maximum',
    },
    1,
  );
  resources.S3FlattenQuarantineAlarm = alarm(
    'DynamoDB change lines were quarantined next to their output',
    {
      Namespace: 'Tributary',
      MetricName: 'LinesQuarantined',
      Dimensions: [{ Name: 'service', Value: 's3Flatten' }],
      Statistic: 'Sum',
    },
    1,
  );
  resources.S3FlattenUndeclaredFieldsAlarm = alarm(
    'DynamoDB items carry attributes their table in pipeline.yml does not declare: they are kept only as JSON text in _extra. The s3Flatten log line "Flattened object" names them; tributary schema diff --table <table> on a change file prints the lines to add.',
    {
      Namespace: 'Tributary',
      MetricName: UNDECLARED_COLUMNS_METRIC,
      Dimensions: [{ Name: 'service', Value: 's3Flatten' }],
      Statistic: 'Sum',
    },
    1,
  );
  if (settings.alarmEmail) {
    resources.AlertsEmailSubscription = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: ref(LogicalId.alertsTopic), Protocol: 'email', Endpoint: settings.alarmEmail },
    };
  }
  for (const source of declaredSources(pipeline))
    Object.assign(resources, forSource(source, SOURCE_ALARMS, settings));
  return resources;
}

/**
 * A stream that goes quiet: fewer records than `expect` says reach the delivery stream in a
 * period. Firehose publishes no IncomingRecords datapoint for a period without any record, so
 * missing data is breaching: silence is exactly what this alarm is for.
 */
function quietStreamAlarms(id: string, stream: StreamSpec, settings: StackSettings): Cfn {
  const expect = stream.expect!;
  const metric = {
    Namespace: 'AWS/Firehose',
    MetricName: 'IncomingRecords',
    Dimensions: [{ Name: 'DeliveryStreamName', Value: deliveryStreamName(settings, stream.name) }],
  };
  const resources: Cfn = {
    [`${id}QuietAlarm`]: alarm(
      `${stream.name} received fewer than ${expect.atLeastRecords} records in ${expect.periodSeconds / 60} minutes: a producer may have stopped sending`,
      { ...metric, Statistic: 'Sum' },
      expect.atLeastRecords,
      'LessThanThreshold',
      { period: expect.periodSeconds, missingData: 'breaching' },
    ),
  };
  if (expect.anomalyDetection) {
    resources[`${id}IncomingRecordsAnomalyDetector`] = {
      Type: 'AWS::CloudWatch::AnomalyDetector',
      Properties: {
        SingleMetricAnomalyDetector: { ...metric, Stat: 'Sum' },
      },
    };
    resources[`${id}AnomalyAlarm`] = {
      Type: 'AWS::CloudWatch::Alarm',
      DependsOn: [`${id}IncomingRecordsAnomalyDetector`],
      Properties: {
        AlarmDescription: `${stream.name} received far fewer records than its usual pattern for this time`,
        Metrics: [
          {
            Id: 'records',
            MetricStat: { Metric: metric, Period: expect.periodSeconds, Stat: 'Sum' },
            ReturnData: true,
          },
          { Id: 'band', Expression: 'ANOMALY_DETECTION_BAND(records, 2)', ReturnData: true },
        ],
        ThresholdMetricId: 'band',
        ComparisonOperator: 'LessThanLowerThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'breaching',
        AlarmActions: [ref(LogicalId.alertsTopic)],
        OKActions: [ref(LogicalId.alertsTopic)],
      },
    };
  }
  return resources;
}

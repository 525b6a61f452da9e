import { alarmResources } from '../../src/infra/alarms';
import { readStackSettings } from '../../src/infra/settings';
import { ConfigError } from '../../src/lib/config/reader';
import { UNDECLARED_COLUMNS_METRIC } from '../../src/lib/firehose/report';
import { parsePipeline } from '../../src/lib/pipeline/pipeline';
import { validateTemplate } from '../support/cloudformation-spec';

const settings = readStackSettings({ service: 'tributary', stage: 'prod', quietStreamAlarms: true });

function pipelineWith(expect: unknown) {
  return parsePipeline({
    database: 'lake',
    streams: [
      {
        name: 'clicks',
        eventTime: 'at',
        keys: ['id'],
        columns: [
          { name: 'id', type: 'string' },
          { name: 'at', type: 'timestamp' },
        ],
        ...(expect === undefined ? {} : { expect }),
      },
    ],
  });
}

describe('alarms for a stream that goes quiet', () => {
  it('alarms below the floor of incoming records per period, counting a silent period as breaching', () => {
    const resources: Record<string, any> = alarmResources(
      pipelineWith({ atLeastRecords: 50, per: '1h' }),
      settings,
    );
    const quiet = Object.entries(resources).find(([id]) => id.endsWith('QuietAlarm'));
    expect(quiet).toBeDefined();
    expect(quiet![1].Properties).toMatchObject({
      Namespace: 'AWS/Firehose',
      MetricName: 'IncomingRecords',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: 'tributary-prod-clicks' }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 50,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'AlertsTopic' }],
    });
  });

  it('adds an anomaly detection band alarm only when asked', () => {
    const plain: Record<string, any> = alarmResources(
      pipelineWith({ atLeastRecords: 1, per: '15m' }),
      settings,
    );
    expect(Object.values(plain).some((r: any) => r.Type === 'AWS::CloudWatch::AnomalyDetector')).toBe(false);
    const resources: Record<string, any> = alarmResources(
      pipelineWith({ atLeastRecords: 1, per: '15m', anomalyDetection: true }),
      settings,
    );
    const [detectorId] = Object.entries(resources).find(
      ([, r]: [string, any]) => r.Type === 'AWS::CloudWatch::AnomalyDetector',
    )!;
    const anomaly: any = Object.entries(resources).find(([id]) => id.endsWith('AnomalyAlarm'))![1];
    expect(anomaly.DependsOn).toEqual([detectorId]);
    expect(anomaly.Properties).toMatchObject({
      ThresholdMetricId: 'band',
      ComparisonOperator: 'LessThanLowerThreshold',
      TreatMissingData: 'breaching',
    });
    expect(anomaly.Properties.Metrics[0].MetricStat).toMatchObject({ Period: 900, Stat: 'Sum' });
    expect(anomaly.Properties.Metrics[1].Expression).toBe('ANOMALY_DETECTION_BAND(records, 2)');
  });

  it('makes alarms and an anomaly detector valid against the CloudFormation resource specification', () => {
    const resources: Record<string, any> = alarmResources(
      pipelineWith({ atLeastRecords: 10, per: '1h', anomalyDetection: true }),
      settings,
    );
    const problems = validateTemplate({ Resources: resources } as any).filter(
      // the topic and functions the alarms name live in the other parts of the stack
      (p) => !/^(Ref to unknown|GetAtt target .* is not a resource)/.test(p.message),
    );
    expect(problems).toEqual([]);
  });

  it('creates no quiet alarm for a stream without an expectation', () => {
    const resources: Record<string, any> = alarmResources(pipelineWith(undefined), settings);
    expect(Object.keys(resources).some((id) => id.endsWith('QuietAlarm'))).toBe(false);
  });

  it('creates no quiet alarms in a stage that has not turned them on, where no traffic would mean ALARM', () => {
    const dev = readStackSettings({ service: 'tributary', stage: 'dev' });
    const resources: Record<string, any> = alarmResources(
      pipelineWith({ atLeastRecords: 1, per: '1h', anomalyDetection: true }),
      dev,
    );
    expect(Object.keys(resources).filter((id) => /Quiet|Anomaly/.test(id))).toEqual([]);
    expect(Object.keys(resources).some((id) => id.endsWith('FreshnessAlarm'))).toBe(true);
  });

  it('refuses a period a CloudWatch alarm cannot evaluate, and a missing floor', () => {
    expect(() => pipelineWith({ atLeastRecords: 1, per: '2d' })).toThrow(/at most 1d/);
    expect(() => pipelineWith({ atLeastRecords: 1, per: 'hourly' })).toThrow(ConfigError);
    expect(() => pipelineWith({ per: '1h' })).toThrow(/atLeastRecords: is required/);
  });

  it('keeps the alarms on the capture functions: errors and iterator age, to the alerts topic', () => {
    const resources: Record<string, any> = alarmResources(pipelineWith(undefined), settings);
    for (const id of [
      'FirehoseTransformErrorsAlarm',
      'DynamodbStreamErrorsAlarm',
      'DynamodbStreamIteratorAgeAlarm',
    ]) {
      expect(resources[id].Properties.AlarmActions).toEqual([{ Ref: 'AlertsTopic' }]);
    }
    expect(resources.DynamodbStreamIteratorAgeAlarm.Properties.MetricName).toBe('IteratorAge');
  });
});

describe('alarms for fields pipeline.yml does not declare', () => {
  it('tells the alerts topic within one five-minute period, per stream, with the command that shows the lines to add', () => {
    const resources: Record<string, any> = alarmResources(pipelineWith(undefined), settings);
    const alarm = resources.DeliveryStreamClicksUndeclaredFieldsAlarm.Properties;
    expect(alarm).toMatchObject({
      Namespace: 'Tributary',
      MetricName: UNDECLARED_COLUMNS_METRIC,
      Dimensions: [
        { Name: 'service', Value: 'firehoseTransform' },
        { Name: 'stream', Value: 'clicks' },
      ],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      AlarmActions: [{ Ref: 'AlertsTopic' }],
    });
    const description = JSON.stringify(alarm.AlarmDescription);
    expect(description).toContain('aws s3 cp --recursive s3://');
    expect(description).toContain('/firehose/clicks/');
    expect(description).toContain('tributary schema diff --table clicks');
    // AlarmDescription holds at most 1024 characters, with the longest bucket name a stack makes
    const text = alarm.AlarmDescription['Fn::Join'][1]
      .map((part: unknown) => (typeof part === 'string' ? part : 'b'.repeat(63)))
      .join('');
    expect(text.length).toBeLessThanOrEqual(1024);
  });

  it('alarms on DynamoDB attributes the tables do not declare (kept only in _extra)', () => {
    const resources: Record<string, any> = alarmResources(pipelineWith(undefined), settings);
    expect(resources.S3FlattenUndeclaredFieldsAlarm.Properties).toMatchObject({
      MetricName: UNDECLARED_COLUMNS_METRIC,
      Dimensions: [{ Name: 'service', Value: 's3Flatten' }],
      Period: 300,
      Threshold: 1,
    });
  });
});

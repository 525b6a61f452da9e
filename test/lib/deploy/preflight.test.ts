import { readStackSettings } from '../../../src/infra/settings';
import {
  type CapturedTableState,
  capturedTableFindings,
  deployPermissions,
  type Finding,
  preflightFindings,
} from '../../../src/lib/deploy/preflight';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import type { Pipeline } from '../../../src/lib/pipeline/pipeline';

const NOW = Date.UTC(2026, 11, 5);
const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:111122223333:table/app-users';
const STREAM_ARN = `${TABLE_ARN}/stream/2026-01-01T00:00:00.000`;
const shipped = bundledPipeline();
/** A pipeline with loads (the BI database matters) or without. */
const withLoads: Pipeline = shipped;
const withoutLoads: Pipeline = { ...shipped, loads: [] };

const settings = (extra: Record<string, unknown> = {}) =>
  readStackSettings({ service: 'tributary', stage: 'prod', ...extra }, NOW);

function findings(
  extra: Record<string, unknown>,
  options: {
    scheduleEnabled?: boolean;
    region?: string;
    environmentRegion?: string;
    pipeline?: Pipeline;
  } = {},
): Finding[] {
  return preflightFindings({
    pipeline: options.pipeline ?? withLoads,
    settings: settings(extra),
    region: options.region ?? 'us-east-1',
    scheduleEnabled: options.scheduleEnabled ?? true,
    environmentRegion: options.environmentRegion,
  });
}
const about = (all: Finding[], topic: Finding['topic']) => all.filter((f) => f.topic === topic);

describe('preflight of a stage', () => {
  it('warns that a scheduled stage without alarmEmail sends its alerts to nobody', () => {
    expect(about(findings({}), 'alerts')).toEqual([
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('alarmEmail') }),
    ]);
    expect(about(findings({ alarmEmail: 'data@example.com' }), 'alerts')).toEqual([
      expect.objectContaining({ level: 'ok', message: expect.stringContaining('data@example.com') }),
    ]);
  });

  it('only notes a missing alarmEmail in a stage that does not run on a schedule', () => {
    expect(about(findings({}, { scheduleEnabled: false }), 'alerts').map((f) => f.level)).toEqual(['ok']);
  });

  it('warns that loads are skipped without a BI database, unless the pipeline has none', () => {
    expect(about(findings({}), 'bi-database')).toEqual([
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('loaderSecretArn') }),
    ]);
    expect(about(findings({}, { pipeline: withoutLoads }), 'bi-database').map((f) => f.level)).toEqual([
      'ok',
    ]);
  });

  it.each([
    [{ loaderSubnetIds: ['subnet-0a'] }, 'at least one security group'],
    [{ loaderSecurityGroupIds: ['sg-0a'] }, 'no loaderSubnetIds'],
    [
      {
        loaderSubnetIds: Array.from({ length: 17 }, (_, i) => `subnet-${i.toString(16).padStart(8, '0')}`),
        loaderSecurityGroupIds: ['sg-0a'],
      },
      'at most 16 subnets',
    ],
    [
      {
        loaderSubnetIds: ['subnet-0a'],
        loaderSecurityGroupIds: Array.from({ length: 6 }, (_, i) => `sg-${i.toString(16).padStart(8, '0')}`),
      },
      'at most 5 security groups',
    ],
  ])('refuses a loader VPC config Lambda would refuse: %j', (params, message) => {
    expect(about(findings(params), 'vpc')).toEqual([
      expect.objectContaining({ level: 'error', message: expect.stringContaining(message) }),
    ]);
  });

  it('accepts a loader VPC config with subnets and security groups within Lambda’s limits', () => {
    const vpc = { loaderSubnetIds: ['subnet-0a', 'subnet-0b'], loaderSecurityGroupIds: ['sg-0a'] };
    expect(about(findings(vpc), 'vpc').map((f) => f.level)).toEqual(['ok']);
  });

  it('refuses resources in params that live in another region than the stage deploys to', () => {
    const sources = { dynamodbSources: { users: { tableArn: TABLE_ARN, streamArn: STREAM_ARN } } };
    expect(about(findings(sources, { region: 'us-east-1' }), 'region').map((f) => f.level)).toEqual(['ok']);
    const elsewhere = about(findings(sources, { region: 'eu-west-1' }), 'region');
    expect(elsewhere).toEqual([
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(/dynamodbSources\.users\.tableArn is in us-east-1.*eu-west-1/),
      }),
      expect.objectContaining({
        level: 'error',
        message: expect.stringContaining('streamArn is in us-east-1'),
      }),
    ]);
  });

  it('warns when the environment’s AWS region is not the stage’s', () => {
    expect(about(findings({}, { environmentRegion: 'eu-west-1' }), 'region')).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining('AWS_REGION is eu-west-1'),
      }),
    ]);
  });

  it('refuses a stream ARN that belongs to another table than the captured one', () => {
    const other = 'arn:aws:dynamodb:us-east-1:111122223333:table/app-orders/stream/2026-01-01T00:00:00.000';
    const mixed = { dynamodbSources: { users: { tableArn: TABLE_ARN, streamArn: other } } };
    expect(about(findings(mixed), 'captured-tables')).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringContaining('app-orders') }),
    );
  });

  it('notes a pipeline table this stage does not capture', () => {
    expect(about(findings({}), 'captured-tables')).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining('users is not captured'),
      }),
    ]);
  });
});

describe('captured tables, checked in AWS', () => {
  const sources = settings({ dynamodbSources: { users: { tableArn: TABLE_ARN, streamArn: STREAM_ARN } } });
  const ready: CapturedTableState = {
    streamViewType: 'NEW_AND_OLD_IMAGES',
    latestStreamArn: STREAM_ARN,
    pointInTimeRecovery: true,
  };

  it('passes a table with point-in-time recovery and a NEW_AND_OLD_IMAGES stream', async () => {
    const all = await capturedTableFindings(sources, async () => ready);
    expect(all.map((f) => f.level)).toEqual(['ok']);
  });

  it.each([
    [{ ...ready, pointInTimeRecovery: false }, 'point-in-time recovery is off'],
    [{ ...ready, streamViewType: 'NEW_IMAGE' }, 'stream shows NEW_IMAGE'],
    [{ ...ready, streamViewType: undefined }, 'has no stream'],
    [
      { ...ready, latestStreamArn: `${TABLE_ARN}/stream/2026-02-02T00:00:00.000` },
      'not the table’s current stream',
    ],
  ])('refuses a table the capture would fail on: %j', async (state, message) => {
    const all = await capturedTableFindings(sources, async () => state);
    expect(all).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringContaining(message) }),
    );
  });

  it('says what it could not check when AWS cannot be asked', async () => {
    const offline = await capturedTableFindings(sources, undefined);
    expect(offline).toEqual([
      expect.objectContaining({
        level: 'unchecked',
        message: expect.stringMatching(/point-in-time recovery.*NEW_AND_OLD_IMAGES/),
      }),
    ]);
    const refused = await capturedTableFindings(sources, async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
    });
    expect(refused).toEqual([
      expect.objectContaining({
        level: 'unchecked',
        message: expect.stringContaining('Could not load credentials'),
      }),
    ]);
  });
});

describe('what the person deploying needs', () => {
  it('lists the services of the stack, with the capture and the loader’s VPC when params ask for them', () => {
    const plain = deployPermissions(shipped, settings());
    expect(plain).toEqual(
      expect.arrayContaining(['cloudformation:*', 'iam:PassRole', 'firehose:*', 'states:*']),
    );
    expect(plain).not.toContain('ec2:DescribeSubnets');
    const vpc = deployPermissions(
      shipped,
      settings({ loaderSubnetIds: ['subnet-0a'], loaderSecurityGroupIds: ['sg-0a'] }),
    );
    expect(vpc).toContain('ec2:DescribeSubnets');
  });
});

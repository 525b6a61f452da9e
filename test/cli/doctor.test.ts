import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';

const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:111122223333:table/app-users';

async function doctor(...args: string[]) {
  const io = captureIo();
  const code = await main(['doctor', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('tributary doctor', () => {
  it('says, offline, what prod as shipped lacks and what it could not check, exiting 0 without errors', async () => {
    const { code, out } = await doctor('--stage', 'prod', '--offline');
    expect(out).toContain('Preflight of stage prod (region us-east-1)');
    expect(out).toMatch(/! alerts: alarmEmail is empty/);
    expect(out).toMatch(/! bi-database: loaderSecretArn is empty/);
    expect(out).toMatch(/! captured-tables: users is not captured/);
    expect(out).toContain('The person deploying needs');
    expect(out).toContain('iam:PassRole');
    expect(code).toBe(0);
  });

  it('fails on params Lambda or the capture would refuse, naming each', async () => {
    const { code, out } = await doctor(
      '--stage',
      'prod',
      '--offline',
      '--param=loaderSubnetIds=["subnet-0a"]',
      `--param=dynamodbSources={"users":{"tableArn":"${TABLE_ARN}","streamArn":"${TABLE_ARN}/stream/2026-01-01T00:00:00.000"}}`,
      '--region',
      'eu-west-1',
    );
    expect(out).toContain('(region eu-west-1)');
    expect(out).toMatch(/✗ vpc: loaderSubnetIds needs at least one security group/);
    expect(out).toMatch(/✗ region: dynamodbSources\.users\.tableArn is in us-east-1/);
    expect(out).toMatch(
      /\? captured-tables: offline: could not check that app-users have point-in-time recovery/,
    );
    expect(out).toMatch(
      /\? lake-types: offline: could not compare the column types of tributary_prod's tables/,
    );
    expect(out).toMatch(/\d+ errors?, \d+ warnings?, 2 not checked/);
    expect(code).toBe(1);
  });

  it('reports invalid params as errors instead of a stack trace', async () => {
    const { code, out } = await doctor('--stage', 'prod', '--offline', '--param=logRetentionDays=8');
    expect(out).toMatch(/✗ params: .*logRetentionDays/);
    expect(code).toBe(1);
  });

  it('needs a stage', async () => {
    const { code, err } = await doctor('--offline');
    expect(code).toBe(2);
    expect(err).toContain('--stage');
  });
});

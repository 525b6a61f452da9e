import { StageParamsError, stageParams, stageRegion } from '../../../src/lib/deploy/stage-params';

const SERVERLESS = {
  service: 'tributary',
  params: {
    default: { region: 'us-east-1', alarmEmail: '', scheduleEnabled: false },
    prod: { region: 'eu-west-1', scheduleEnabled: true },
    dev: { alarmEmail: 'dev@example.com' },
  },
};

describe('a stage’s params, as serverless resolves them', () => {
  it('lays the stage’s own params over the defaults', () => {
    expect(stageParams(SERVERLESS, 'prod')).toEqual({
      region: 'eu-west-1',
      alarmEmail: '',
      scheduleEnabled: true,
    });
  });

  it('gives a stage without params of its own the defaults', () => {
    expect(stageParams(SERVERLESS, 'qa')).toEqual(SERVERLESS.params.default);
  });

  it('lets --param override both, with JSON for lists', () => {
    expect(stageParams(SERVERLESS, 'dev', { alarmEmail: 'ops@example.com' }).alarmEmail).toBe(
      'ops@example.com',
    );
  });

  it.each([
    ['prod', undefined, 'eu-west-1'],
    ['dev', undefined, 'us-east-1'],
    ['dev', 'ap-southeast-2', 'ap-southeast-2'],
  ])('deploys stage %s (--region %s) to %s', (stage, region, expected) => {
    expect(stageRegion(stageParams(SERVERLESS, stage), region)).toBe(expected);
  });

  it('refuses a region that is not one', () => {
    expect(() => stageRegion({ region: 'Europe' })).toThrow(StageParamsError);
    expect(() => stageRegion({})).toThrow('no region');
  });
});

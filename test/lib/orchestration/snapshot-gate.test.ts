import { planPipelineRun, type RunSettings } from '../../../src/lib/orchestration/run-plan';
import { holdBackPartialSnapshots } from '../../../src/lib/orchestration/snapshot-gate';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';

const pipeline = parsePipeline({
  database: 'gate',
  streams: [{ name: 'clicks', columns: [{ name: 'event_id', type: 'string' }] }],
  dynamodb: [{ name: 'members', keys: ['member_id'], columns: [{ name: 'member_id', type: 'string' }] }],
  transforms: [
    {
      name: 'members_now',
      sql: 'transforms/members_now.sql',
      sqlText: 'SELECT member_id FROM {{table:members_snapshot}}',
      mode: 'full',
      sources: ['members_snapshot'],
    },
    {
      name: 'member_count',
      sql: 'transforms/member_count.sql',
      sqlText: 'SELECT count(*) AS n FROM {{table:members_now}}',
      mode: 'full',
      sources: ['members_now'],
    },
    {
      name: 'click_counts',
      sql: 'transforms/click_counts.sql',
      sqlText:
        'SELECT count(*) AS n, dt FROM {{table:clicks}} WHERE dt BETWEEN {{from}} AND {{to}} GROUP BY dt',
      partitionedBy: ['dt'],
      sources: ['clicks'],
    },
  ],
  loads: [
    { name: 'members_to_bi', transform: 'members_now', table: 'members', mode: 'replace' },
    { name: 'clicks_to_bi', transform: 'click_counts', table: 'clicks', mode: 'merge', keys: ['dt'] },
  ],
  checks: [
    {
      name: 'members_present',
      table: 'members_now',
      sql: 'SELECT member_id FROM {{table:members_now}} WHERE member_id IS NULL',
    },
    {
      name: 'clicks_present',
      table: 'click_counts',
      sql: 'SELECT n FROM {{table:click_counts}} WHERE n < 0',
    },
  ],
});
const settings: RunSettings = {
  database: 'gate',
  workGroup: 'w',
  transformWorkGroup: 'wt',
  lakeBucket: 'lake',
  rawBucket: 'raw',
  dynamodbExports: [
    { table: 'members', tableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/app-members' },
  ],
  auroraExport: undefined,
  loaderDatabase: true,
};
const input = { from: '2026-11-20', to: '2026-11-20', exports: true, loads: true, transforms: undefined };
const plan = planPipelineRun(
  pipeline,
  input,
  { name: 'run', startTime: '2026-11-21T01:00:00.000Z' },
  settings,
);
const QUARANTINE = 'lake/members_snapshot/dt=2026-11-20/_0001-x.quarantine.ndjson';

describe('holdBackPartialSnapshots', () => {
  it('changes nothing when every snapshot is whole', () => {
    const gated = holdBackPartialSnapshots(pipeline, plan, [
      { table: 'members', exportArn: 'e', quarantined: [] },
    ]);
    expect(gated).toEqual({ ...plan, heldBack: [] });
  });

  it('holds back every transform reading a partial snapshot, directly or not, with its checks and loads, and says why', () => {
    const gated = holdBackPartialSnapshots(pipeline, plan, [
      {
        table: 'members',
        exportArn: 'arn:export',
        quarantined: [{ dataFile: 'data/x.json.gz', quarantine: QUARANTINE }],
      },
    ]);
    expect(gated.transformLevels.flat()).toEqual(['click_counts']);
    expect(gated.loads.map((l) => l.load)).toEqual(['clicks_to_bi']);
    expect(gated.checks).toEqual(['clicks_present']);
    expect(gated.heldBack.map((h) => h.transform ?? h.load)).toEqual([
      'members_now',
      'member_count',
      'members_to_bi',
    ]);
    expect(gated.heldBack[0]!.reason).toContain('members_snapshot is partial');
    expect(gated.heldBack[0]!.reason).toContain(QUARANTINE);
    expect(gated.heldBack[1]!.reason).toContain('members_snapshot is partial');
  });
});

import { planCheck, recomputedDaysFor } from '../../../src/lib/checks/check-run';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import type { CheckSpec } from '../../../src/lib/pipeline/check-spec';

// daily_event_counts reads clickstream; users_current reads users_snapshot and users_changes
const pipeline = bundledPipeline();
const on = (table: string): CheckSpec => ({
  name: `c_${table}`,
  table,
  description: '',
  severity: 'error',
  rule: { kind: 'not_null', columns: ['x'] },
});
const recomputed = [
  { transform: 'daily_event_counts', day: '2026-11-18', reason: 'late clicks' },
  { transform: 'daily_event_counts', day: '2026-11-17', reason: 'late clicks' },
];

describe('the days a check reads besides the run’s own', () => {
  it.each([
    ['daily_event_counts', ['2026-11-17', '2026-11-18']],
    ['clickstream', ['2026-11-17', '2026-11-18']],
    ['users_current', []],
    ['users_changes', []],
  ])('are, for a check on %s, the days recomputed by transforms that read it', (table, days) => {
    expect(recomputedDaysFor(pipeline, on(table), recomputed)).toEqual(days);
  });

  it('are none in a run that recomputed nothing, or from a request without the list', () => {
    expect(recomputedDaysFor(pipeline, on('clickstream'), [])).toEqual([]);
    expect(recomputedDaysFor(pipeline, on('clickstream'), undefined)).toEqual([]);
  });

  it('reach the check’s query when the plan step asks for it with the plan’s recomputed days', () => {
    const check = pipeline.checks.find((c) => c.table === 'daily_event_counts')!;
    const settings = { database: 'tributary_prod', workGroup: 'tributary-prod' };
    const request = { check: check.name, runId: 'r', from: '2026-11-20', to: '2026-11-20' };
    expect(planCheck(pipeline, request, settings).query.QueryString).not.toContain('2026-11-17');
    expect(planCheck(pipeline, { ...request, recomputed }, settings).query.QueryString).toContain(
      "dt IN ('2026-11-17', '2026-11-18')",
    );
  });
});

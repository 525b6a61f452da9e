import type { LocalHandlers } from '../../../src/lib/local/local-handlers';
import { brokenInvariants, simulatedStage } from '../../support/simulation';

/**
 * Defects the simulation was built to find, put back at the boundary of a handler (what the
 * state machine hands planRun, or what it answers), and the simulation, with the fault that meets
 * each turned up, reporting the invariant it breaks. Defects put back inside a stand-in or a
 * library have files of their own (finds-*.test.ts): jest.mock needs a module registry of its own.
 */
const stage = simulatedStage();
const TIMEOUT = 600_000;

/** planRun with `change` applied to its event or its answer. */
function planRunWith(
  handlers: LocalHandlers,
  change: (event: Record<string, unknown>, answer: () => Promise<unknown>) => Promise<unknown>,
): LocalHandlers {
  return {
    ...handlers,
    planRun: (event) => change(event as Record<string, unknown>, () => handlers.planRun(event)),
  };
}

// these defects are not about rewriting the lake: compaction is left out, as its own tests cover it
// (test/lib/simulation/compaction.test.ts, finds-consumed-files-read-twice.test.ts)
describe('with those faults and no defect put back, the simulation finds nothing', () => {
  it.each([
    [
      'late notifications',
      { convergence: false, compaction: false, seed: 21, days: 1, faults: { notificationLate: 1 } },
    ],
    [
      'runs of today started twice',
      { convergence: false, compaction: false, seed: 22, days: 1, faults: { rerunToday: 1 } },
    ],
    [
      'late events that break a check',
      {
        convergence: false,
        compaction: false,
        seed: 24,
        days: 2,
        faults: { lateEvent: 0.3, badLateEvent: 1 },
      },
    ],
  ] as const)(
    '%s',
    async (_name, options) => {
      expect((await stage.run(options)).violations).toEqual([]);
    },
    TIMEOUT,
  );
});

describe('the simulation finds', () => {
  it(
    'a transform reading a snapshot before its export is flattened (moving on at COMPLETED)',
    async () => {
      const report = await stage.run({
        convergence: false,
        compaction: false,
        seed: 21,
        days: 1,
        faults: { notificationLate: 1 },
        wrap: (handlers) =>
          planRunWith(handlers, async (event, answer) => {
            const result = (await answer()) as Record<string, unknown>;
            return event.kind === 'checkSnapshot' ? { ...result, complete: true, pending: [] } : result;
          }),
      });
      expect(brokenInvariants(report)).toContain(
        'no transform reads a snapshot before every data file of its export is flattened',
      );
    },
    TIMEOUT,
  );

  it(
    'an export client token reused for another request (`<table>-<day>`)',
    async () => {
      const report = await stage.run({
        convergence: false,
        compaction: false,
        seed: 22,
        days: 1,
        faults: { rerunToday: 1 },
        wrap: (handlers) =>
          planRunWith(handlers, async (event, answer) => {
            // the token of one day, whatever the request: what the plan gave before
            const result = (await answer()) as { request?: { ClientToken: string } };
            if (event.kind === 'fitExport' && result.request) {
              result.request.ClientToken = `${String(event.table)}-${String(event.day)}`;
            }
            return result;
          }),
      });
      const failures = report.violations.filter(
        (v) => v.invariant === 'every execution succeeds or stops on a failed data check',
      );
      expect(failures.map((f) => f.detail).join('\n')).toMatch(/ImportConflictException/);
    },
    TIMEOUT,
  );

  it(
    'a recomputed day loaded without its checks (checks over the run days only)',
    async () => {
      const report = await stage.run({
        convergence: false,
        compaction: false,
        seed: 24,
        days: 2,
        faults: { lateEvent: 0.3, badLateEvent: 1 },
        wrap: (handlers) =>
          planRunWith(handlers, async (event, answer) => {
            if (event.kind !== 'planCheck') return answer();
            const { recomputed: _ignored, ...runDaysOnly } = event;
            return handlers.planRun(runDaysOnly);
          }),
      });
      expect(brokenInvariants(report)).toContain(
        'a load never carries a day whose error checks did not pass',
      );
    },
    TIMEOUT,
  );
});

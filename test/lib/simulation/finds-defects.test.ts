import type { LocalHandlers } from '../../../src/lib/local/local-handlers';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { deduplicatedRelation } from '../../../src/lib/transforms/deduplicate';
import { qualifiedTable } from '../../../src/lib/transforms/sql-template';
import { brokenInvariants, simulatedStage } from '../../support/simulation';

/**
 * Each defect the simulation was built to find, put back at the boundary of a handler (what the
 * state machine hands it, or what it answers), and the simulation, with the fault that meets it
 * turned up, reporting the invariant it breaks. Defects put back inside a stand-in or a library
 * have files of their own (jest.mock needs a module registry of its own).
 */
const stage = simulatedStage();
const TIMEOUT = 600_000;

/** planRun with `change` applied to its event or its answer, for events of one kind. */
function planRunWith(
  handlers: LocalHandlers,
  change: (event: Record<string, unknown>, answer: () => Promise<unknown>) => Promise<unknown>,
): LocalHandlers {
  return {
    ...handlers,
    planRun: (event) => change(event as Record<string, unknown>, () => handlers.planRun(event)),
  };
}

describe('the simulation finds', () => {
  it(
    'a transform reading a snapshot before its export is flattened (moving on at COMPLETED)',
    async () => {
      const report = await stage.run({
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
        seed: 22,
        days: 1,
        faults: { rerunToday: 1 },
        wrap: (handlers) =>
          planRunWith(handlers, async (event, answer) => {
            const plan = (await answer()) as {
              to?: string;
              exports?: { dynamodb?: Array<{ table: string; request: { ClientToken: string } }> };
            };
            for (const item of plan.exports?.dynamodb ?? [])
              item.request.ClientToken = `${item.table}-${plan.to}`;
            return plan;
          }),
      });
      const failures = report.violations.filter(
        (v) => v.invariant === 'every execution succeeds or stops on a failed data check',
      );
      expect(failures.map((f) => f.detail).join('\n')).toMatch(/ImportConflictException|client token/i);
    },
    TIMEOUT,
  );

  it(
    'a record delivered twice counted twice (transforms reading the stream as written)',
    async () => {
      const pipeline = bundledPipeline();
      const report = await stage.run({
        seed: 23,
        days: 1,
        faults: { producerDuplicate: 0.5 },
        wrap: (handlers) =>
          planRunWith(handlers, async (_event, answer) => {
            const text = JSON.stringify(await answer());
            let plain = text;
            for (const stream of pipeline.streams.filter((s) => s.keys.length > 0)) {
              const database = /"(tributary[a-z0-9_]*)"\."/.exec(text)?.[1] ?? pipeline.database;
              const relation = JSON.stringify(deduplicatedRelation(database, stream)).slice(1, -1);
              const table = JSON.stringify(qualifiedTable(database, stream.name)).slice(1, -1);
              plain = plain.split(relation).join(table);
            }
            return JSON.parse(plain);
          }),
      });
      expect(brokenInvariants(report)).toContain(
        'each transform output equals its SQL over its sources, every keyed record counted once',
      );
    },
    TIMEOUT,
  );

  it(
    'a recomputed day loaded without its checks (checks over the run days only)',
    async () => {
      const report = await stage.run({
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

import { readConfig } from '../config/reader';
import type { AthenaResultRow, CheckOutcome } from './check-run';

/** What the data checks' Lambda steps send, told apart by `kind`. */
export type CheckEvent =
  | {
      readonly kind: 'planCheck';
      readonly check: string;
      readonly runId: string;
      readonly from: string;
      readonly to: string;
      /** The plan's recomputed days; absent in events from before late data was checked. */
      readonly recomputed?: ReadonlyArray<{ readonly transform: string; readonly day: string }>;
    }
  | {
      readonly kind: 'checkResult';
      readonly check: string;
      readonly queryExecutionId: string;
      readonly rows: readonly AthenaResultRow[];
    }
  | {
      readonly kind: 'gateLoads';
      readonly loads: ReadonlyArray<{ readonly load: string; readonly transform: string }>;
      readonly outcomes: readonly CheckOutcome[];
    };

export function readCheckEvent(event: unknown, knownChecks: readonly string[]): CheckEvent {
  return readConfig('data check step', event, (root) => {
    const kind = root.field('kind').oneOf(['planCheck', 'checkResult', 'gateLoads'] as const, 'planCheck');
    const checkName = () => {
      const check = root.field('check').string();
      if (check && !knownChecks.includes(check))
        root.field('check').problem(`${check} is not a check of the pipeline`);
      return check;
    };
    const list = (key: string) => {
      const value = root.field(key).value;
      if (!Array.isArray(value)) root.field(key).problem('expected a list');
      return Array.isArray(value) ? value : [];
    };
    switch (kind) {
      case 'planCheck': {
        root.object(['kind', 'check', 'runId', 'from', 'to', 'recomputed']);
        const day = { pattern: /^\d{4}-\d{2}-\d{2}$/, patternHint: 'a day, YYYY-MM-DD' };
        return {
          kind,
          check: checkName(),
          runId: root.field('runId').string(),
          from: root.field('from').string(day),
          to: root.field('to').string(day),
          recomputed: root.field('recomputed').list((item) => {
            item.object(['transform', 'day', 'reason']);
            return { transform: item.field('transform').string(), day: item.field('day').string(day) };
          }),
        };
      }
      case 'checkResult':
        root.object(['kind', 'check', 'queryExecutionId', 'rows']);
        return {
          kind,
          check: checkName(),
          queryExecutionId: root.field('queryExecutionId').string(),
          rows: list('rows') as AthenaResultRow[],
        };
      case 'gateLoads':
        root.object(['kind', 'loads', 'outcomes']);
        return {
          kind,
          loads: list('loads') as Array<{ load: string; transform: string }>,
          outcomes: list('outcomes') as CheckOutcome[],
        };
    }
  });
}

import type { CheckOutcome } from '../lib/checks/check-run';
import { counted } from './io';

/** How `tributary run` and `tributary check` show a check's outcome. */
export function checkOutcomeLines(check: CheckOutcome): string[] {
  const verdict = check.passed ? 'passed' : check.severity === 'error' ? 'FAILED' : 'warning';
  return [
    `check ${check.check} on ${check.table} (${check.severity}): ${verdict}${check.passed ? '' : `, ${counted(check.failures, 'failing row')}`}`,
    ...check.sample.slice(0, 3).map((row) => `  ${JSON.stringify(row)}`),
  ];
}

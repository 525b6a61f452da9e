import type { LoadOutcome } from './types';

/** What a load did to its table besides the rows, for run output: `, table created`, `, columns added: a, b`. */
export function describeTableChange(outcome: LoadOutcome): string {
  if (outcome.created) return ', table created';
  return outcome.addedColumns ? `, columns added: ${outcome.addedColumns.join(', ')}` : '';
}

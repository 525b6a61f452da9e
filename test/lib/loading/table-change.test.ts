import { describeTableChange } from '../../../src/lib/loading/table-change';
import type { LoadOutcome } from '../../../src/lib/loading/types';

describe('describeTableChange', () => {
  const loaded: LoadOutcome = { table: 'orders', mode: 'merge', rows: 3, created: false };
  it.each<[string, LoadOutcome, string]>([
    ['nothing for rows alone', loaded, ''],
    ['a created table', { ...loaded, created: true }, ', table created'],
    [
      'the added columns by name',
      { ...loaded, addedColumns: ['day', 'amount'] },
      ', columns added: day, amount',
    ],
  ])('says %s', (_, outcome, text) => {
    expect(describeTableChange(outcome)).toBe(text);
  });
});

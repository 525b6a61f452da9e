import { diffRows } from './row-diff';

describe('diffRows', () => {
  it.each([
    [
      'nothing for equal rows in any order',
      [
        { id: 1, a: 'x' },
        { id: 2, a: 'y' },
      ],
      [
        { id: 2, a: 'y' },
        { id: 1, a: 'x' },
      ],
      [],
    ],
    [
      'the row and column of a differing value',
      [{ id: 1, a: 'x', b: 1 }],
      [{ id: 1, a: 'x', b: 2 }],
      ['row id=1: column b: expected 1, got 2'],
    ],
    [
      'a null against a value',
      [{ id: 1, a: null }],
      [{ id: 1, a: '' }],
      ['row id=1: column a: expected null, got ""'],
    ],
    ['a missing and an extra row', [{ id: 1 }], [{ id: 2 }], ['row id=1: missing', 'row id=2: not expected']],
    [
      'a missing and an extra column',
      [{ id: 1, a: 1 }],
      [{ id: 1, b: 1 }],
      ['row id=1: column a: missing', 'row id=1: column b: not expected'],
    ],
  ])('names %s', (_, expected, actual, lines) => {
    expect(diffRows(expected, actual, ['id'])).toEqual(lines);
  });

  it('names a row by every key column', () => {
    expect(diffRows([{ dt: 'd', id: 1, n: 1 }], [{ dt: 'd', id: 1, n: 2 }], ['dt', 'id'])).toEqual([
      'row dt=d id=1: column n: expected 1, got 2',
    ]);
  });

  it('stops after the limit and says how many more', () => {
    const expected = Array.from({ length: 5 }, (_, id) => ({ id, v: 0 }));
    const actual = expected.map((row) => ({ ...row, v: 1 }));
    expect(diffRows(expected, actual, ['id'], 2)).toEqual([
      'row id=0: column v: expected 0, got 1',
      'row id=1: column v: expected 0, got 1',
      '… and 3 more',
    ]);
  });

  it('refuses a key that does not identify a row', () => {
    expect(() => diffRows([{ id: 1 }, { id: 1 }], [], ['id'])).toThrow(
      'row id=1 appears twice in the expected rows',
    );
  });
});

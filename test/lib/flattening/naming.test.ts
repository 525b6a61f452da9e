import {
  columnNameForPath,
  isValidColumnName,
  limitColumnName,
  MAX_COLUMN_NAME_LENGTH,
  normalizeSegment,
} from '../../../src/lib/flattening/naming';

describe('normalizeSegment', () => {
  it.each([
    ['event_id', 'event_id'],
    ['userId', 'user_id'],
    ['UserID', 'user_id'],
    ['HTTPStatusCode', 'http_status_code'],
    ['utf8String', 'utf8_string'],
    ['first name', 'first_name'],
    ['a-b.c', 'a_b_c'],
    ['a__b', 'a__b'],
    ['A__B', 'a_b'],
    ['trailing_', 'trailing'],
    ['_id', '_id'],
    ['__v', '_v'],
    ['2fa', '_2fa'],
    ['Café', 'cafe'],
    ['Straße', 'strasse'],
    ['名前', 'u540d_u524d'],
    ['emoji😀', 'emoji_u1f600'],
  ])('turns %j into %j', (raw, expected) => {
    expect(normalizeSegment(raw)).toBe(expected);
  });

  it.each([[''], ['$$'], ['---'], ['_']])('gives %j a stable hashed name instead of dropping it', (raw) => {
    const name = normalizeSegment(raw);
    expect(name).toMatch(/^_[0-9a-f]{8}$/);
    expect(normalizeSegment(raw)).toBe(name);
  });

  it('never produces the nesting separator inside a segment', () => {
    for (const raw of ['_a__', 'A__B', 'x - y', '__proto__', 'a__B', 'a____b']) {
      expect(normalizeSegment(raw)).not.toMatch(/__/);
    }
  });

  it('keeps a key that already is a flattened name, so a flat record flattens to itself', () => {
    for (const raw of ['a__b', 'a___b', 'user__traits__plan', 'x__y_z___0a']) {
      expect(normalizeSegment(raw)).toBe(raw);
    }
  });

  it('judges flattened names in linear time, whatever the key', () => {
    const started = performance.now();
    normalizeSegment(`${'a_'.repeat(5000)}__!`);
    normalizeSegment(`${'a__'.repeat(5000)}A`);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('column names', () => {
  it('joins nested keys with a double underscore', () => {
    expect(columnNameForPath(['user', 'firstName'])).toBe('user__first_name');
  });

  it('shortens names past 255 characters deterministically, keeping long siblings apart', () => {
    const long = 'segment'.repeat(40);
    const a = columnNameForPath([long, 'alpha']);
    const b = columnNameForPath([long, 'beta']);
    expect(a).toHaveLength(MAX_COLUMN_NAME_LENGTH);
    expect(b).toHaveLength(MAX_COLUMN_NAME_LENGTH);
    expect(a).not.toBe(b);
    expect(isValidColumnName(a)).toBe(true);
    expect(columnNameForPath([long, 'alpha'])).toBe(a);
  });

  it('leaves names of 255 characters alone', () => {
    const name = 'a'.repeat(255);
    expect(limitColumnName(name)).toBe(name);
  });
});

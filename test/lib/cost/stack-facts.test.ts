import { type LifecycleRule, retentionOf } from '../../../src/lib/cost/stack-facts';

const raw: LifecycleRule[] = [
  { prefix: '', noncurrentDays: 30 },
  { prefix: '', expirationDays: 365 },
  { prefix: '', transitionToIaDays: 30 },
  { prefix: 'firehose/private/', expirationDays: 14, noncurrentDays: 1 },
];

describe('how long an object is billed under lifecycle rules', () => {
  it.each([
    ['kept for ever where nothing expires it', [{ prefix: '', noncurrentDays: 30 }], 'lake/x/a', Infinity, 0],
    ['expired, then kept 30 days as an old version, in IA after 30', raw, 'firehose/clicks/a', 30, 365],
    ['the strictest matching expiry wins, before any transition', raw, 'firehose/private/a', 15, 0],
    [
      'an expiry not past the transition never reaches IA',
      [
        { prefix: '', expirationDays: 14, noncurrentDays: 30 },
        { prefix: '', transitionToIaDays: 30 },
      ],
      'x',
      44,
      0,
    ],
  ])('%s', (_case, rules, key, standardDays, iaDays) => {
    expect(retentionOf(rules as LifecycleRule[], key)).toEqual({ standardDays, iaDays });
  });
});

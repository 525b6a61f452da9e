import { PRICE_REGIONS, PRICES, regionPrices, UnpricedRegionError } from '../../../src/lib/cost/prices';

describe('the price file', () => {
  const rows = PRICE_REGIONS.flatMap((region) =>
    Object.entries(PRICES[region]).map(([name, price]) => [region, name, price] as const),
  );

  it.each(rows)(
    '%s %s has a value, a unit, its AWS pricing page, the day it was read and how it was checked',
    (_r, _n, price) => {
      expect(price.usd).toBeGreaterThan(0);
      expect(price.unit.length).toBeGreaterThan(3);
      expect(price.url).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z0-9/-]+\/$/);
      expect(price.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(['page', 'secondary', 'unverified']).toContain(price.checked);
      // a price not confirmed on its page says what was searched and what was (not) found
      if (price.checked !== 'page') expect(price.note?.length ?? 0).toBeGreaterThan(20);
    },
  );

  it('cites an AWS page for every price it marks as read on one', () => {
    const checkedOnPage = rows.filter(([, , price]) => price.checked === 'page');
    expect(checkedOnPage.length).toBeGreaterThan(0);
    for (const [, , price] of checkedOnPage) expect(price.note?.length ?? 0).toBeGreaterThan(20);
  });

  it('gives every region the same prices', () => {
    const names = (region: (typeof PRICE_REGIONS)[number]) => Object.keys(PRICES[region]).sort();
    expect(names('ap-northeast-1')).toEqual(names('us-east-1'));
  });

  it('refuses a region it has no prices for, saying where to add them', () => {
    expect(() => regionPrices('eu-west-1')).toThrow(UnpricedRegionError);
    expect(() => regionPrices('eu-west-1')).toThrow(/src\/lib\/cost\/prices\.ts/);
  });
});

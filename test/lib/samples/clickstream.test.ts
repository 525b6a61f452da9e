import fc from 'fast-check';
import {
  CLICKSTREAM_DEFAULTS,
  clickstreamEvent,
  clickstreamEventJson,
} from '../../../src/lib/samples/clickstream';
import { SeededRandom } from '../../../src/lib/samples/random';

/** What clickstreamEventJson has always written: the event through JSON.stringify, every tenth with an order id. */
function stringified(index: number, options = CLICKSTREAM_DEFAULTS): string {
  const json = JSON.stringify(clickstreamEvent(index, options));
  if (index % 10 !== 3) return json;
  return `${json.slice(0, -1)},"order_id":${9_007_199_254_740_993n + BigInt(index)}}`;
}

describe('clickstreamEventJson', () => {
  it('writes exactly the JSON.stringify text of the event, for the first thousand indices', () => {
    for (let i = 0; i < 1_000; i++) expect(clickstreamEventJson(i)).toBe(stringified(i));
  });

  it('writes exactly the JSON.stringify text of the event, for any index, seed and spread', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 50_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (index, seed, eventsPerDay) => {
          const options = { ...CLICKSTREAM_DEFAULTS, seed, eventsPerDay };
          expect(clickstreamEventJson(index, options)).toBe(stringified(index, options));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('SeededRandom.hex', () => {
  it.each([1, 6, 8, 16, 17])('writes %d digits as zero-padded base-16 of the draws', (length) => {
    const [a, b] = [new SeededRandom(12345), new SeededRandom(12345)];
    for (let i = 0; i < 500; i++) {
      let expected = '';
      while (expected.length < length)
        expected += Math.floor(b.next() * 0x100000000)
          .toString(16)
          .padStart(8, '0');
      expect(a.hex(length)).toBe(expected.slice(0, length));
    }
  });
});

import { SimRandom } from '../../../src/lib/simulation/random';
import { Scheduler } from '../../../src/lib/simulation/scheduler';

describe('Scheduler', () => {
  it('runs actions in the order of their virtual time, ties in the order scheduled', async () => {
    const scheduler = new Scheduler(1_000);
    const ran: string[] = [];
    scheduler.at(3_000, 'c', () => void ran.push('c'));
    scheduler.at(2_000, 'a', () => void ran.push('a'));
    scheduler.at(2_000, 'b', () => void ran.push('b'));
    await scheduler.drain();
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(scheduler.trace.map((t) => [t.at, t.label])).toEqual([
      [2_000, 'a'],
      [2_000, 'b'],
      [3_000, 'c'],
    ]);
  });

  it('makes Date read the virtual clock while open, and lets an action advance it past others', async () => {
    const start = Date.UTC(2026, 9, 1);
    const scheduler = new Scheduler(start);
    const seen: Array<[string, number]> = [];
    scheduler.open();
    try {
      scheduler.at(start + 60_000, 'notification', () => void seen.push(['notification', Date.now()]));
      scheduler.at(start + 1_000, 'execution', async () => {
        seen.push(['execution starts', Date.now()]);
        // a state machine waiting two minutes: what falls due meanwhile runs inside the wait
        await scheduler.advance(120_000);
        seen.push(['execution resumes', Date.now()]);
      });
      await scheduler.drain();
    } finally {
      scheduler.close();
    }
    expect(seen).toEqual([
      ['execution starts', start + 1_000],
      ['notification', start + 60_000],
      ['execution resumes', start + 121_000],
    ]);
    expect(Date.now()).toBeGreaterThan(Date.UTC(2026, 11, 1));
  });

  it('never schedules into the past', async () => {
    const scheduler = new Scheduler(5_000);
    scheduler.at(1_000, 'late', () => undefined);
    await scheduler.drain();
    expect(scheduler.trace[0]?.at).toBe(5_000);
  });
});

describe('SimRandom', () => {
  it('draws the same numbers from the same seed, and others from another', () => {
    const draw = (seed: number) => {
      const random = new SimRandom(seed);
      return [
        random.int(0, 1_000_000),
        random.int(0, 1_000_000),
        random.chance(0.5),
        random.pick(['a', 'b', 'c']),
      ];
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('keeps every draw in its range and shuffles without losing items', () => {
    const random = new SimRandom(3);
    for (let i = 0; i < 1_000; i++) {
      const value = random.int(-5, 5);
      expect(value).toBeGreaterThanOrEqual(-5);
      expect(value).toBeLessThanOrEqual(5);
    }
    expect(random.chance(0)).toBe(false);
    expect(random.chance(1)).toBe(true);
    expect(random.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

import { onceAsync } from '../../../src/lib/util/once';

describe('onceAsync', () => {
  it('loads once and shares the result', async () => {
    let calls = 0;
    const load = onceAsync(async () => ++calls);
    expect(await Promise.all([load(), load()])).toEqual([1, 1]);
    expect(await load()).toBe(1);
  });

  it('tries again after a failure instead of keeping it', async () => {
    let calls = 0;
    const load = onceAsync(async () => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      return 'key';
    });
    await expect(load()).rejects.toThrow('throttled');
    expect(await load()).toBe('key');
  });
});

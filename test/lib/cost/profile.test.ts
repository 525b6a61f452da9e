import { ConfigError } from '../../../src/lib/config/reader';
import { PROFILE_DEFAULTS, profileProblems, readTrafficProfile } from '../../../src/lib/cost/profile';

describe('reading a traffic profile', () => {
  it('reads streams and tables, filling what it leaves out from the defaults', () => {
    const profile = readTrafficProfile(
      {
        streams: { clicks: { eventsPerDay: 1000, averageEventBytes: 700 } },
        tables: { carts: { changesPerDay: 10, tableGB: 0.5 } },
        historyDays: 30,
      },
      'p.yml',
    );
    expect(profile).toEqual({
      streams: { clicks: { eventsPerDay: 1000, averageEventBytes: 700 } },
      tables: {
        carts: { changesPerDay: 10, tableGB: 0.5, averageChangeBytes: PROFILE_DEFAULTS.averageChangeBytes },
      },
      historyDays: 30,
      parquetRatio: PROFILE_DEFAULTS.parquetRatio,
      gzipRatio: PROFILE_DEFAULTS.gzipRatio,
      adhocQueriesPerDay: 0,
      adhocScanMB: PROFILE_DEFAULTS.adhocScanMB,
    });
  });

  it('names every problem at once: missing counts, negative sizes, unknown keys', () => {
    const read = () =>
      readTrafficProfile(
        {
          streams: { clicks: { averageEventBytes: -1 } },
          tables: { carts: { changesPerDay: 1.5, tableGB: 1 } },
          days: 3,
        },
        'p.yml',
      );
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/streams\.clicks\.eventsPerDay: is required/);
    expect(read).toThrow(/streams\.clicks\.averageEventBytes: expected a number of at least 0, got -1/);
    expect(read).toThrow(/tables\.carts\.changesPerDay: expected a whole number/);
    expect(read).toThrow(/unknown key "days"/);
  });

  it('names streams and tables the pipeline does not have', () => {
    const profile = readTrafficProfile(
      { streams: { clickz: { eventsPerDay: 1, averageEventBytes: 1 } } },
      'p.yml',
    );
    expect(profileProblems(profile, { streams: [{ name: 'clicks' }], dynamodb: [] })).toEqual([
      'streams.clickz: pipeline.yml has no such stream (it has clicks)',
    ]);
  });
});

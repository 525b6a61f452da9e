import { ConfigError } from '../../../src/lib/config/reader';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';

const minimalStream = {
  name: 'events',
  columns: [
    { name: 'id', type: 'string' },
    { name: 'ts', type: 'timestamp' },
  ],
};

describe('parsePipeline', () => {
  it('reads the shipped pipeline.yml', () => {
    const pipeline = bundledPipeline();
    expect(pipeline.database).toBe('tributary');
    const clickstream = pipeline.streams.find((s) => s.name === 'clickstream')!;
    expect(clickstream.keys).toEqual(['event_id']);
    expect(clickstream.columns.find((c) => c.name === 'properties__value')!.type).toEqual({
      kind: 'decimal',
      precision: 12,
      scale: 2,
    });
  });

  it('fills in flatten defaults', () => {
    const pipeline = parsePipeline({ database: 'lake', streams: [minimalStream] });
    expect(pipeline.streams[0]!.flatten).toEqual({ maxDepth: 10, drop: [], hash: [] });
    expect(pipeline.streams[0]!.eventTime).toBeUndefined();
  });

  it('names every problem at once, with its path', () => {
    const bad = {
      database: 'Lake-1',
      streams: [
        {
          name: 'events',
          eventTime: 'missing',
          keys: ['nope'],
          flatten: { maxDepth: 0, explode: ['items'], drop: ['id'], hash: ['id'] },
          columns: [
            { name: 'id', type: 'uuid' },
            { name: 'id', type: 'string' },
          ],
          extra: true,
        },
      ],
    };
    let error: ConfigError | undefined;
    try {
      parsePipeline(bad);
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    expect(text).toContain('database: "Lake-1" must be lowercase letters');
    expect(text).toContain('streams[0]: unknown key "extra"');
    expect(text).toContain('streams[0].keys: key nope is not a declared column');
    expect(text).toContain('streams[0].eventTime: missing is not a declared column');
    expect(text).toContain('streams[0].flatten.explode: Firehose writes one table per stream');
    expect(text).toContain('streams[0].flatten.maxDepth: expected an integer from 1 to 64');
    expect(text).toContain('streams[0].flatten: id is both dropped and hashed');
    expect(text).toContain('streams[0].columns[0].type: unknown column type "uuid"');
    expect(text).toContain('streams[0].columns: column id is declared twice');
  });

  it('reads allowEmpty on a load, refusing an empty replace unless it is true', () => {
    const transform = {
      name: 'event_totals',
      mode: 'full',
      sql: 'transforms/event_totals.sql',
      sqlText: 'SELECT COUNT(*) AS events FROM {{table:events}}',
      sources: ['events'],
    };
    const withLoads = (loads: unknown[]) =>
      parsePipeline({ database: 'lake', streams: [minimalStream], transforms: [transform], loads });
    const load = { name: 'totals_to_bi', transform: 'event_totals', table: 'event_totals', mode: 'replace' };
    expect(withLoads([load]).loads[0]!.allowEmpty).toBe(false);
    expect(withLoads([{ ...load, allowEmpty: true }]).loads[0]!.allowEmpty).toBe(true);
    expect(() => withLoads([{ ...load, allowEmpty: 'yes' }])).toThrow('loads[0].allowEmpty');
  });

  it('reads allow_null on accepted_values, true unless it says false', () => {
    const withCheck = (rule: Record<string, unknown>) =>
      parsePipeline({
        database: 'lake',
        streams: [minimalStream],
        checks: [
          { name: 'known_ids', table: 'events', accepted_values: { column: 'id', values: ['a'], ...rule } },
        ],
      });
    expect(withCheck({}).checks[0]!.rule).toMatchObject({ kind: 'accepted_values', allowNull: true });
    expect(withCheck({ allow_null: false }).checks[0]!.rule).toMatchObject({ allowNull: false });
    expect(() => withCheck({ allow_null: 'no' })).toThrow('checks[0].accepted_values.allow_null');
  });

  it('rejects duplicate stream names', () => {
    expect(() => parsePipeline({ database: 'lake', streams: [minimalStream, minimalStream] })).toThrow(
      'lake table events is declared twice',
    );
  });

  it('keeps DynamoDB lake tables apart from streams', () => {
    const stream = { ...minimalStream, name: 'users_changes' };
    const table = { name: 'users', keys: ['id'], columns: [{ name: 'id', type: 'string' }] };
    expect(() => parsePipeline({ database: 'lake', streams: [stream], dynamodb: [table] })).toThrow(
      'lake table users_changes is declared twice',
    );
  });

  it('reads the Aurora export tables, which transforms may read', () => {
    const orders = {
      name: 'orders_snapshot',
      source: 'app.orders',
      columns: [{ name: 'id', type: 'bigint' }],
    };
    const transform = {
      name: 'order_totals',
      sql: 'transforms/order_totals.sql',
      sqlText: 'SELECT count(*) AS orders FROM {{table:orders_snapshot}}',
      mode: 'full',
      sources: ['orders_snapshot'],
    };
    const pipeline = parsePipeline({ database: 'lake', aurora: [orders], transforms: [transform] });
    expect(pipeline.aurora).toEqual([
      {
        name: 'orders_snapshot',
        description: '',
        database: 'app',
        table: 'orders',
        columns: [{ name: 'id', type: { kind: 'bigint' }, comment: undefined }],
      },
    ]);
    expect(pipeline.transformLevels).toEqual([['order_totals']]);
    expect(() =>
      parsePipeline({ database: 'lake', aurora: [{ ...orders, source: 'app.orders; drop' }], streams: [] }),
    ).toThrow('aurora[0].source: "app.orders; drop" must be database.table');
    expect(() => parsePipeline({ database: 'lake', aurora: [orders, orders] })).toThrow(
      'lake table orders_snapshot is declared twice',
    );
  });

  it('reads DynamoDB tables and checks their keys, metadata names and demo table', () => {
    const table = {
      name: 'users',
      keys: ['user_id'],
      flatten: { explode: ['devices'] },
      columns: [
        { name: 'user_id', type: 'string' },
        { name: '_op', type: 'string' },
      ],
      demo: { partitionKey: { name: 'userId', type: 'S' }, sortKey: { name: 'at', type: 'X' } },
    };
    let problems: readonly string[] = [];
    try {
      parsePipeline({ database: 'lake', streams: [], dynamodb: [table] });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('dynamodb[0].columns: _op is a metadata column Tributary adds itself'),
        expect.stringContaining('dynamodb[0].flatten.explode: child tables have no declared columns'),
        expect.stringContaining('dynamodb[0].demo.sortKey.type: expected one of S, N, B'),
        expect.stringContaining(
          "dynamodb[0].demo: the demo table's key attributes must flatten to the keys (user_id)",
        ),
      ]),
    );
    const users = bundledPipeline().dynamodb.find((t) => t.name === 'users')!;
    expect(users.demo).toEqual({ partitionKey: { name: 'user_id', type: 'S' } });
    expect(users.flatten.hash).toEqual(['email']);
  });
});

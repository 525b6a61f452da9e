import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { DuckDb } from '../../../src/lib/standins/athena/duckdb';
import { keyedStreamRelations } from '../../../src/lib/transforms/deduplicate';
import { renderSql } from '../../../src/lib/transforms/sql-template';

const pipeline = parsePipeline({
  database: 'lake',
  streams: [
    {
      name: 'orders',
      eventTime: 'placed_at',
      keys: ['shop', 'order_id'],
      columns: [
        { name: 'shop', type: 'string' },
        { name: 'order_id', type: 'bigint' },
        { name: 'placed_at', type: 'timestamp' },
        { name: 'amount', type: 'double' },
      ],
    },
    { name: 'pings', keys: [], columns: [{ name: 'host', type: 'string' }] },
  ],
});

describe('keyedStreamRelations', () => {
  it('expands a stream with keys to one row per day and keys, partitioned by dt so a filter on dt reaches the files', () => {
    const relations = keyedStreamRelations(pipeline, 'lake');
    expect(
      renderSql('SELECT * FROM {{table:orders}} WHERE dt = {{date}}', {
        database: 'lake',
        date: '2026-11-20',
        relations,
      }),
    ).toBe(
      'SELECT * FROM (SELECT "shop", "order_id", "placed_at", "amount", "dt", "hour" FROM (' +
        'SELECT *, row_number() OVER (PARTITION BY "dt", "shop", "order_id" ORDER BY "hour", "shop", "order_id", "placed_at", "amount") AS "_copy" ' +
        'FROM "lake"."orders") WHERE "_copy" = 1 OR "shop" IS NULL OR "order_id" IS NULL)' +
        " WHERE dt = '2026-11-20'",
    );
  });

  it('leaves a stream without keys as its table', () => {
    const relations = keyedStreamRelations(pipeline, 'lake');
    expect(renderSql('SELECT * FROM {{table:pings}}', { database: 'lake', relations })).toBe(
      'SELECT * FROM "lake"."pings"',
    );
  });

  it('counts a record sent twice once, keeps rows without keys, and keeps a key seen on two days', async () => {
    const duck = await DuckDb.open();
    try {
      await duck.run('CREATE SCHEMA lake');
      await duck.run(
        'CREATE TABLE lake.orders (shop VARCHAR, order_id BIGINT, placed_at TIMESTAMP, amount DOUBLE, dt VARCHAR, hour VARCHAR)',
      );
      await duck.run(`INSERT INTO lake.orders VALUES
        ('a', 1, '2026-11-20 10:00:00', 5, '2026-11-20', '10'),
        ('a', 1, '2026-11-20 10:00:00', 5, '2026-11-20', '10'),
        ('a', 1, '2026-11-20 10:00:00', 5, '2026-11-20', '11'),
        ('b', 1, '2026-11-20 10:00:00', 7, '2026-11-20', '10'),
        (NULL, 2, '2026-11-20 10:00:00', 1, '2026-11-20', '10'),
        (NULL, 2, '2026-11-20 10:00:00', 1, '2026-11-20', '10'),
        ('a', 1, '2026-11-21 00:00:00', 5, '2026-11-21', '00')`);
      const sql = renderSql(
        'SELECT dt, count(*) AS orders, sum(amount) AS amount FROM {{table:orders}} WHERE dt BETWEEN {{from}} AND {{to}} GROUP BY dt ORDER BY dt',
        {
          database: 'lake',
          from: '2026-11-20',
          to: '2026-11-21',
          relations: keyedStreamRelations(pipeline, 'lake'),
        },
      );
      const { rows } = await duck.query(sql);
      expect(rows).toEqual([
        { dt: '2026-11-20', orders: '4', amount: 14 },
        { dt: '2026-11-21', orders: '1', amount: 5 },
      ]);
    } finally {
      duck.close();
    }
  });
});

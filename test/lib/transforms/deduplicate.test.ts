import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { streamLakeRelation } from '../../../src/lib/rewrite/lake-sql';
import { DuckDb } from '../../../src/lib/standins/athena/duckdb';
import { streamRelations } from '../../../src/lib/transforms/deduplicate';
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

describe('streamRelations', () => {
  it('expands a stream with keys to one row per day and keys of its lake days, partitioned by dt so a filter on dt reaches the files', () => {
    const relations = streamRelations(pipeline, 'lake');
    const orders = pipeline.streams[0]!;
    expect(
      renderSql('SELECT * FROM {{table:orders}} WHERE dt = {{date}}', {
        database: 'lake',
        date: '2026-11-20',
        relations,
      }),
    ).toBe(
      'SELECT * FROM (SELECT "shop", "order_id", "placed_at", "amount", "dt", "hour" FROM (' +
        'SELECT *, row_number() OVER (PARTITION BY "dt", "shop", "order_id" ORDER BY "hour", "shop", "order_id", "placed_at", "amount") AS "_copy" ' +
        `FROM ${streamLakeRelation('lake', orders)}) WHERE "_copy" = 1 OR "shop" IS NULL OR "order_id" IS NULL)` +
        " WHERE dt = '2026-11-20'",
    );
  });

  it('reads a stream without keys as its lake days, copies included', () => {
    const relations = streamRelations(pipeline, 'lake');
    expect(renderSql('SELECT * FROM {{table:pings}}', { database: 'lake', relations })).toBe(
      `SELECT * FROM ${streamLakeRelation('lake', pipeline.streams[1]!)}`,
    );
  });

  it('counts a record sent twice once, keeps rows without keys, and keeps a key seen on two days', async () => {
    const duck = await DuckDb.open();
    try {
      await duck.run('CREATE SCHEMA lake');
      await duck.run(
        'CREATE TABLE lake.orders (shop VARCHAR, order_id BIGINT, placed_at TIMESTAMP, amount DOUBLE, dt VARCHAR, hour VARCHAR, "$path" VARCHAR DEFAULT \'s3://lake/f.parquet\')',
      );
      await duck.run(
        'CREATE TABLE lake.orders__compacted (shop VARCHAR, order_id BIGINT, placed_at TIMESTAMP, amount DOUBLE, hour VARCHAR, _consumed VARCHAR, dt VARCHAR)',
      );
      await duck.run(`INSERT INTO lake.orders (shop, order_id, placed_at, amount, dt, hour) VALUES
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
          relations: streamRelations(pipeline, 'lake'),
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

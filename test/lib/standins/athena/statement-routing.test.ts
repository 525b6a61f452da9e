import { UnsupportedSqlError } from '../../../../src/lib/standins/athena/athena-compat';
import { routeStatement } from '../../../../src/lib/standins/athena/statement-routing';

describe('routeStatement', () => {
  it('reads a CTAS with its location, partitions and compression', () => {
    expect(
      routeStatement(
        `CREATE TABLE "db"."daily" WITH (format = 'PARQUET', external_location = 's3://lake/t/', ` +
          `partitioned_by = ARRAY['dt', 'hour'], write_compression = 'SNAPPY') AS SELECT 1 AS x`,
      ),
    ).toEqual({
      kind: 'ctas',
      database: 'db',
      table: 'daily',
      properties: {
        externalLocation: 's3://lake/t/',
        partitionedBy: ['dt', 'hour'],
        writeCompression: 'SNAPPY',
        bucketedBy: [],
        bucketCount: undefined,
      },
      selectText: 'SELECT 1 AS x',
    });
  });

  it('gives a CTAS without properties of its own no location, no partitions and ZSTD', () => {
    expect(routeStatement(`CREATE TABLE "db"."t" WITH (format = 'PARQUET') AS SELECT 1`)).toMatchObject({
      kind: 'ctas',
      properties: { externalLocation: undefined, partitionedBy: [], writeCompression: 'ZSTD' },
    });
  });

  it('reads bucketed_by and an unquoted bucket_count', () => {
    expect(
      routeStatement(
        `CREATE TABLE "db"."t" WITH (format = 'PARQUET', external_location = 's3://lake/g/data/', ` +
          `bucketed_by = ARRAY['event_id'], bucket_count = 4) AS SELECT 1 AS event_id`,
      ),
    ).toMatchObject({
      kind: 'ctas',
      properties: { externalLocation: 's3://lake/g/data/', bucketedBy: ['event_id'], bucketCount: 4 },
      selectText: 'SELECT 1 AS event_id',
    });
  });

  it.each([
    ['INSERT INTO "db"."t" SELECT 1', { kind: 'insert', database: 'db', table: 't', selectText: 'SELECT 1' }],
    ['SELECT 1', { kind: 'select', selectText: 'SELECT 1' }],
    ['  with x AS (SELECT 1) SELECT * FROM x', { kind: 'select' }],
  ])('routes %s', (sql, expected) => {
    expect(routeStatement(sql)).toMatchObject(expected);
  });

  it.each(['DROP TABLE "db"."t"', 'SHOW TABLES', 'MSCK REPAIR TABLE t'])('refuses %s by name', (sql) => {
    expect(() => routeStatement(sql)).toThrow(UnsupportedSqlError);
  });
});

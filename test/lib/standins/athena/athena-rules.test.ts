import {
  AthenaQueryFailedError,
  ctasLocation,
  MAX_OPEN_PARTITIONS,
  missingTableError,
  parquetCodec,
  refuseTooManyPartitions,
  refuseZonedColumns,
  requireQueryExecutionId,
  requireWorkGroup,
} from '../../../../src/lib/standins/athena/athena-rules';

const NOW = new Date('2026-03-04T05:06:07Z');
const ID = '0f6b9f5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b';

describe('Athena rules of the local engine', () => {
  it('puts a CTAS of an enforcing workgroup under its result location', () => {
    expect(ctasLocation(ID, { name: 'w', enforceConfiguration: true }, undefined, 'results', NOW)).toBe(
      `s3://results/tables/${ID}/`,
    );
  });

  it('fails a CTAS naming its location in an enforcing workgroup', () => {
    expect(() =>
      ctasLocation(ID, { name: 'w', enforceConfiguration: true }, 's3://lake/x/', 'results', NOW),
    ).toThrow(/external_location cannot be specified: workgroup w/);
  });

  it.each([
    ['s3://lake/x/', 's3://lake/x/'],
    [undefined, `s3://results/Unsaved/2026/03/04/tables/${ID}/`],
  ])('writes a CTAS of a free workgroup at %s', (external, expected) => {
    expect(ctasLocation(ID, { name: 'w', enforceConfiguration: false }, external, 'results', NOW)).toBe(
      expected,
    );
  });

  it('refuses more partitions than Athena writes, and not one fewer', () => {
    expect(() => refuseTooManyPartitions(MAX_OPEN_PARTITIONS)).not.toThrow();
    expect(() => refuseTooManyPartitions(MAX_OPEN_PARTITIONS + 1)).toThrow(/HIVE_TOO_MANY_OPEN_PARTITIONS/);
  });

  it('refuses a timestamp with time zone column by name', () => {
    expect(() =>
      refuseZonedColumns([
        { name: 'a', type: 'TIMESTAMP' },
        { name: 'b', type: 'TIMESTAMP WITH TIME ZONE' },
      ]),
    ).toThrow(/Unsupported Hive type: timestamp\(3\) with time zone \(column b\)/);
  });

  it('names the lake tables, not run tables, when a table is missing', () => {
    const error = missingTableError(new Error('Catalog Error: Table with name nope does not exist!'), [
      'a',
      't__run_1',
      'b',
    ]);
    expect(error).toBeInstanceOf(AthenaQueryFailedError);
    expect(error?.message).toBe('Table nope does not exist in the local lake (tables: a, b)');
    expect(missingTableError(new Error('other'), ['a'])).toBeUndefined();
  });

  it('accepts only UUIDs as execution ids and known workgroups', () => {
    expect(() => requireQueryExecutionId(ID)).not.toThrow();
    expect(() => requireQueryExecutionId('q1')).toThrow(AthenaQueryFailedError);
    expect(() => requireWorkGroup([{ name: 'w', enforceConfiguration: false }], 'x')).toThrow(
      'WorkGroup x is not found.',
    );
  });

  it.each([
    ['SNAPPY', 'snappy'],
    ['snappy', 'snappy'],
    ['ZSTD', 'zstd'],
    ['GZIP', 'zstd'],
  ])('writes %s as %s', (compression, codec) => {
    expect(parquetCodec(compression)).toBe(codec);
  });
});

import { lakeTypeFindings } from '../../../src/lib/deploy/lake-type-findings';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';

const pipeline = parsePipeline({
  database: 'lake',
  streams: [
    {
      name: 'clicks',
      eventTime: 'at',
      keys: ['id'],
      columns: [
        { name: 'id', type: 'bigint' },
        { name: 'at', type: 'timestamp' },
        { name: 'price', type: 'double' },
      ],
    },
  ],
});

describe('lakeTypeFindings (a deployed stage’s Glue tables against pipeline.yml)', () => {
  it('refuses a type Athena cannot read the deployed table’s files as, naming the way out', async () => {
    const asked: string[] = [];
    const findings = await lakeTypeFindings(pipeline, 'prod', async (database, table) => {
      asked.push(`${database}.${table}`);
      return [
        { name: 'id', type: 'int' },
        { name: 'at', type: 'timestamp' },
        { name: 'price', type: 'decimal(12,2)' },
      ];
    });
    expect(asked).toEqual(['lake_prod.clicks']);
    expect(findings).toEqual([
      expect.objectContaining({
        level: 'error',
        topic: 'lake-types',
        message: expect.stringMatching(
          /clicks\.price: the lake holds decimal\(12,2\) \(Glue table lake_prod\.clicks\), pipeline\.yml now says double.*add a new column/s,
        ),
      }),
    ]);
  });

  it('passes a table first deployed now, and a widening from int to bigint', async () => {
    expect(await lakeTypeFindings(pipeline, 'prod', async () => undefined)).toEqual([
      expect.objectContaining({ level: 'ok', topic: 'lake-types' }),
    ]);
  });

  it('says what it left unchecked offline, or when Glue could not be read', async () => {
    const [offline] = await lakeTypeFindings(pipeline, 'prod', undefined);
    expect(offline).toMatchObject({
      level: 'unchecked',
      message: expect.stringContaining('aws glue get-table'),
    });
    const [failed] = await lakeTypeFindings(pipeline, 'prod', async () => {
      throw new Error('AccessDeniedException');
    });
    expect(failed).toMatchObject({
      level: 'unchecked',
      message: expect.stringContaining('AccessDeniedException'),
    });
  });
});

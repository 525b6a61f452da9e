import type { RunSettings } from '../../src/lib/orchestration/run-plan';
import { type Pipeline, parsePipeline } from '../../src/lib/pipeline/pipeline';
import document from '../fixtures/pipelines/demo/pipeline.yml';

/**
 * A pipeline.yml-like description far larger than the demo one (test/fixtures/pipelines/demo): `tables` DynamoDB tables shaped
 * like `users`, each with a transform like `users_current` over it, then further transforms that
 * read those (so they run in later levels), and a load per table.
 */
export function largePipeline(options: { readonly tables: number; readonly transforms: number }): Pipeline {
  const shipped = structuredClone(document) as any;
  const users = shipped.dynamodb.find((t: any) => t.name === 'users');
  const current = shipped.transforms.find((t: any) => t.name === 'users_current');
  const name = (prefix: string, n: number) => `${prefix}_${String(n).padStart(3, '0')}`;
  const tables = Array.from({ length: options.tables }, (_, i) => ({
    ...users,
    name: name('account', i),
    demo: undefined,
  }));
  const perTable = tables.map((table) => ({
    ...current,
    name: `${table.name}_current`,
    sources: [`${table.name}_snapshot`, `${table.name}_changes`],
    sql: `transforms/${table.name}_current.sql`,
    sqlText: current.sqlText.replaceAll('users_', `${table.name}_`),
  }));
  const rollups = Array.from(
    { length: options.transforms - perTable.length - shipped.transforms.length },
    (_, i) => {
      const source = perTable[i % perTable.length]!.name;
      return {
        name: name('rollup', i),
        sql: `transforms/${name('rollup', i)}.sql`,
        description: `Accounts per plan tier, from ${source}.`,
        mode: 'full',
        sources: [source],
        compression: 'zstd',
        sqlText: `-- Accounts per plan tier and city, with their average age and lifetime value.\nSELECT plan__tier, address__city, count(*) AS accounts, avg(age) AS average_age,\n  sum(lifetime_value) AS lifetime_value, max(updated_at) AS last_change\nFROM {{table:${source}}}\nWHERE is_active\nGROUP BY plan__tier, address__city\n`,
      };
    },
  );
  return parsePipeline({
    ...shipped,
    dynamodb: [...shipped.dynamodb, ...tables],
    transforms: [...shipped.transforms, ...perTable, ...rollups],
    // a warning check on every per-table transform: their failing samples all travel the state machine
    checks: [
      ...(shipped.checks ?? []),
      ...perTable.map((t) => ({
        name: `${t.name}_keyed`,
        table: t.name,
        severity: 'warn',
        unique: ['user_id'],
      })),
    ],
    loads: [
      ...shipped.loads,
      ...perTable.map((t) => ({
        name: `${t.name}_to_mysql`,
        transform: t.name,
        table: t.name,
        mode: 'replace',
        keys: ['user_id'],
      })),
    ],
  });
}

export function largeRunSettings(pipeline: Pipeline): RunSettings {
  return {
    database: 'tributary_prod',
    workGroup: 'tributary-prod',
    transformWorkGroup: 'tributary-prod-transforms',
    lakeBucket: 'tributary-prod-lake-123456789012-us-east-1',
    rawBucket: 'tributary-prod-raw-123456789012-us-east-1',
    dynamodbExports: pipeline.dynamodb.map((t) => ({
      table: t.name,
      tableArn: `arn:aws:dynamodb:us-east-1:123456789012:table/app-${t.name}`,
    })),
    auroraExport: {
      clusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:app',
      roleArn: 'arn:aws:iam::123456789012:role/export',
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
      identifierPrefix: 'tributary-prod',
      exportOnly: ['app.orders'],
    },
    loaderDatabase: true,
  };
}

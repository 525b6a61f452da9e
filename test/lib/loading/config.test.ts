import { ConfigError } from '../../../src/lib/config/reader';
import { readLoaderConfig } from '../../../src/lib/loading/config';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bi-AbCdEf';

describe('readLoaderConfig', () => {
  it('loads into an embedded DuckDB file in the local root when no database is named', () => {
    // serverless passes the unset loaderSecretArn param as an empty string
    expect(
      readLoaderConfig({ TRIBUTARY_LOCAL_ROOT: '/tmp/lake', TRIBUTARY_DATABASE_SECRET_ARN: '' }).target,
    ).toEqual({
      kind: 'connection',
      connection: { dialect: 'duckdb', path: '/tmp/lake/warehouse.duckdb' },
    });
  });

  it('takes a real server from TRIBUTARY_MYSQL_URL or TRIBUTARY_POSTGRES_URL', () => {
    expect(
      readLoaderConfig({
        TRIBUTARY_LOCAL_ROOT: '/tmp/lake',
        TRIBUTARY_MYSQL_URL: 'mysql://root@127.0.0.1:3306/test',
      }).target,
    ).toMatchObject({
      kind: 'connection',
      connection: { dialect: 'mysql', host: '127.0.0.1', database: 'test' },
    });
    expect(
      readLoaderConfig({ TRIBUTARY_POSTGRES_URL: 'postgres://app:pw@db:5433/bi', TRIBUTARY_LOCAL_ROOT: '/x' })
        .target,
    ).toMatchObject({ connection: { dialect: 'postgres', port: 5433, user: 'app' } });
  });

  it('reads the database secret in AWS, over TLS that checks the certificate unless told otherwise', () => {
    expect(
      readLoaderConfig({ TRIBUTARY_DATABASE_SECRET_ARN: SECRET, TRIBUTARY_LAKE_BUCKET: 'unused-bucket' })
        .target,
    ).toEqual({ kind: 'secret', secretId: SECRET, tls: 'verify-full' });
    expect(
      readLoaderConfig({ TRIBUTARY_DATABASE_SECRET_ARN: SECRET, TRIBUTARY_DATABASE_TLS: 'require' }).target,
    ).toMatchObject({ tls: 'require' });
  });

  it.each([
    [
      { TRIBUTARY_MYSQL_URL: 'mysql://a@h/d', TRIBUTARY_POSTGRES_URL: 'postgres://a@h/d' },
      'set TRIBUTARY_MYSQL_URL or TRIBUTARY_POSTGRES_URL, not both',
    ],
    [{ TRIBUTARY_MYSQL_URL: 'postgres://a@h/d' }, 'TRIBUTARY_MYSQL_URL: must be a mysql:// URL'],
    [
      { TRIBUTARY_DATABASE_SECRET_ARN: SECRET, TRIBUTARY_DATABASE_TLS: 'maybe' },
      'expected one of disable, require, verify-full',
    ],
  ])('names what is wrong with %j', (env, message) => {
    expect(() => readLoaderConfig(env)).toThrow(ConfigError);
    expect(() => readLoaderConfig(env)).toThrow(message);
  });

  it('has no database in a deployed stage without the secret, rather than refusing to start', () => {
    expect(readLoaderConfig({ TRIBUTARY_DATABASE_SECRET_ARN: '' }).target).toEqual({ kind: 'none' });
    expect(readLoaderConfig({}).target).toEqual({ kind: 'none' });
  });

  it('never shows the password of a URL it refuses', () => {
    expect(() => readLoaderConfig({ TRIBUTARY_MYSQL_URL: 'mysql://root:hunter2@db.internal:3306' })).toThrow(
      /\*\*\*/,
    );
    expect(() =>
      readLoaderConfig({ TRIBUTARY_MYSQL_URL: 'mysql://root:hunter2@db.internal:3306' }),
    ).not.toThrow(/hunter2/);
  });
});

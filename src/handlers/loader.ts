import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { AthenaClient } from '@aws-sdk/client-athena';
import middy from '@middy/core';
import { LOCAL_BUCKETS, objectStoreFor } from '../lib/config/storage';
import { athenaResultPort } from '../lib/loading/athena-result';
import { readLoaderConfig } from '../lib/loading/config';
import {
  type ConnectionConfig,
  describeConnection,
  openLoader,
  parseConnectionSecret,
} from '../lib/loading/connection';
import { LoaderDatabaseNotConfiguredError } from '../lib/loading/errors';
import { loadQueryResult, readLoadEvent } from '../lib/loading/load-query-result';
import type { LoadOutcome } from '../lib/loading/types';
import { readSecretString } from '../lib/secrets/secret-string';
import { localAthenaResultPort } from '../lib/standins/athena/results';
import { onceAsync } from '../lib/util/once';

const config = readLoaderConfig(process.env);
const logger = new Logger({ serviceName: 'tributary' });
const store = objectStoreFor(config.storage);
const athena = config.storage.localRoot
  ? localAthenaResultPort(store, LOCAL_BUCKETS.results)
  : athenaResultPort(new AthenaClient({}));
const target = config.target;
const connection = onceAsync(async (): Promise<ConnectionConfig | undefined> => {
  if (target.kind === 'none') return undefined;
  if (target.kind === 'connection') return target.connection;
  return parseConnectionSecret(await readSecretString(target.secretId), {
    tls: target.tls,
    source: target.secretId,
  });
});

/** Loads one Athena query result into the BI database: merge, replace or insert, all or nothing. */
export const handler = middy(async (event: unknown): Promise<LoadOutcome> => {
  const load = readLoadEvent(event);
  const database = await connection();
  if (!database) throw new LoaderDatabaseNotConfiguredError(load.load);
  logger.info('Loading query result', { ...load, database: describeConnection(database) });
  const started = Date.now();
  const outcome = await loadQueryResult(load, { athena, store, connect: () => openLoader(database) });
  logger.info('Loaded', { ...outcome, seconds: (Date.now() - started) / 1000 });
  return outcome;
}).use(injectLambdaContext(logger));

import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { STAGE_NAME, stageResourcePrefix } from '../../lib/config/stage-names';
import { readStageParams, stageRegion } from '../../lib/deploy/stage-params';
import { DynamoLayout } from '../../lib/dynamodb/layout';
import { parseStreamArn } from '../../lib/dynamodb/stream-batch';
import { awsFirehose } from '../../lib/firehose/aws-firehose';
import { reingestRecords } from '../../lib/firehose/reingest';
import { ingestStreams } from '../../lib/local/ingest-streams';
import {
  DEFAULT_LOCAL_ROOT,
  type LocalEnvironment,
  localEnvironment,
} from '../../lib/local/local-environment';
import { loadLocalHandlers, localDynamoTableName, localStreamMapping } from '../../lib/local/local-handlers';
import { requireLocalLake } from '../../lib/local/local-root';
import { failureReasons } from '../../lib/local/source-warnings';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import type { Pipeline } from '../../lib/pipeline/pipeline';
import { ReplayError, type ReplayTargets, replayBatches } from '../../lib/replay/replay';
import { listReplayFiles, readReplayBatches } from '../../lib/replay/replay-source';
import type { DeliveryStats } from '../../lib/standins/firehose/local-delivery-stream';

import { LocalS3Notifications } from '../../lib/standins/s3/local-s3-notifications';
import { getBytes } from '../../lib/storage/object-store';
import { S3ObjectStore } from '../../lib/storage/s3-object-store';
import { type CommandIo, counted, UsageError, writeLine } from '../io';

export const REPLAY_HELP = `Usage: tributary replay <file|directory|s3://bucket/prefix> [options]

Sends records that failed back through the pipeline after a fix:
  - Firehose error output (errors/<stream>/processing-failed/..., format-conversion-failed/...,
    activePartitionExceeded/...)
    goes back into its delivery stream, so the transform Lambda runs on it again, in groups
    of at most 500 event hours (activePartitionExceeded/ records included);
  - DynamoDB stream changes the event source mapping parked (raw bucket aws/lambda/..., its
    S3 on-failure destination) go back to the stream Lambda (local stage only);
  - DynamoDB quarantine files (_*.quarantine.ndjson beside their raw object, under raw/dynamodb/
    or exports/dynamodb/ of the raw bucket) go back as a new raw object beside the one each line
    came from, so the flattener runs on it again.
A stream's raw backup (raw bucket firehose/<stream>/) is named and skipped: its records are
already in the lake. tributary backfill --stream S --from D rebuilds days from it when a
column was added.

  --to local|deployed  where to send (default local: the local stand-ins under --root)
  --root DIR           local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT})
  --stage S            the deployed stage (with --to deployed): streams tributary-S-<stream>, in
                       the stage's region (serverless.yml's region param)
  --region R           the region stage S was deployed to, when not its region param
  --raw-bucket B       the deployed stage's raw bucket, for quarantine files (with --to deployed)
  --stream NAME        the stream of Firehose error files whose path does not say it
                       (error files copied elsewhere); never needed under errors/<stream>/
  --buffer-seconds N   the deployed stage's firehoseBufferSeconds (default 900, the most): a
                       stream's records spanning more than 500 hours are sent in groups, each
                       1.5 times that after the last, once its partitions are written
  --delete             delete the replayed files once every record was accepted
  --help               show this help

Reading s3:// locations and --to deployed use the AWS credentials of the environment; with
--stage, the stage's region.`;

export async function replayCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      to: { type: 'string', default: 'local' },
      root: { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
      'raw-bucket': { type: 'string' },
      stream: { type: 'string' },
      'buffer-seconds': { type: 'string', default: '900' },
      delete: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, REPLAY_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('name one file, directory or s3:// location');
  if (values.to !== 'local' && values.to !== 'deployed')
    throw new UsageError('--to must be local or deployed');
  const pipeline = bundledPipeline();
  if (values.stream !== undefined && !pipeline.streams.some((s) => s.name === values.stream)) {
    throw new UsageError(`--stream ${values.stream} is not a stream of pipeline.yml`);
  }
  if (values.to === 'deployed' && !STAGE_NAME.test(values.stage ?? '')) {
    throw new UsageError('--to deployed needs --stage, such as --stage prod');
  }

  const bufferSeconds = Number(values['buffer-seconds']);
  if (!Number.isSafeInteger(bufferSeconds) || bufferSeconds < 0 || bufferSeconds > 900) {
    throw new UsageError(
      `--buffer-seconds must be a whole number up to 900, got ${values['buffer-seconds']}`,
    );
  }
  // the stage's region when a stage is named; otherwise the environment's, as the AWS CLI does
  const region =
    values.stage !== undefined ? stageRegion(readStageParams(values.stage), values.region) : values.region;
  const s3Config = region ? { region } : {};
  const location = positionals[0]!;
  const files = await listReplayFiles(location, () => new S3ObjectStore(new S3Client(s3Config)));
  let problems = 0;
  const batches = await readReplayBatches(files, pipeline, {
    stream: values.stream,
    onProblem: (file, line, problem) => {
      problems++;
      writeLine(io.stderr, `${file}${line > 0 ? `:${line}` : ''}: ${problem}`);
    },
  });
  if (batches.length === 0) {
    writeLine(io.stderr, `nothing to replay in ${location}`);
    return 1;
  }
  if (values.to === 'deployed' && batches.some((b) => b.kind === 'stream')) {
    throw new UsageError(
      "parked DynamoDB stream records (aws/lambda/...) replay to the local stage only; invoke the stage's dynamodbStream function with each file's payload instead",
    );
  }
  if (values.to === 'deployed' && batches.some((b) => b.kind === 'quarantine') && !values['raw-bucket']) {
    throw new UsageError('quarantine files go to the raw bucket: give --raw-bucket');
  }

  const localStage = values.to === 'local' ? localEnvironment(values.root, pipeline.database) : undefined;
  if (localStage) requireLocalLake(localStage);
  const local = localStage ? await localTargets(localStage, pipeline) : undefined;
  const targets =
    local?.targets ?? deployedTargets(values.stage!, values['raw-bucket'], bufferSeconds, region);
  const outcome = await replayBatches(batches, pipeline, targets);
  const where = values.to === 'local' ? `the local stage in ${local!.root}` : `stage ${values.stage}`;
  writeLine(
    io.stdout,
    `Replayed ${counted(outcome.records, 'Firehose record')} and ${counted(outcome.lines, 'quarantined line')}` +
      (outcome.changes > 0 ? ` and ${counted(outcome.changes, 'parked stream change')}` : '') +
      ` from ${counted(new Set(batches.map((b) => b.file)).size, 'file')} to ${where}`,
  );
  for (const key of outcome.rawObjects) writeLine(io.stdout, `  raw object ${key}`);
  let stillFailing = 0;
  for (const { changes, key, reason } of local?.parkedAgain ?? []) {
    stillFailing += changes;
    writeLine(io.stdout, `  ${counted(changes, 'stream change')} parked again (now in ${key}): ${reason}`);
  }
  for (const { lines, quarantineKey } of local?.quarantinedAgain ?? []) {
    stillFailing += lines;
    writeLine(io.stdout, `  ${counted(lines, 'line')} quarantined again (now in ${quarantineKey})`);
  }
  for (const [stream, stats] of local?.deliveries ?? []) {
    const failed = stats.processingFailed + stats.conversionFailed + stats.activePartitionExceeded;
    stillFailing += failed;
    writeLine(
      io.stdout,
      `  ${stream}: ${counted(stats.rowsWritten, 'row')} written, ${failed} failed again` +
        (stats.errorFiles.length > 0 ? ` (now in ${stats.errorFiles.join(', ')})` : ''),
    );
    for (const reason of failureReasons(stats)) writeLine(io.stdout, `    why: ${reason}`);
  }
  if (values.delete) {
    const replayed = new Set(batches.map((b) => b.file));
    for (const file of replayed) if (!file.startsWith('s3://')) await rm(file, { force: true });
    writeLine(io.stdout, `Deleted ${counted(replayed.size, 'replayed file')}`);
  }
  return problems > 0 || stillFailing > 0 ? 1 : 0;
}

/** The local stage: the real transform Lambda through the local Firehose, the flattener by S3 notification. */
async function localTargets(
  environment: LocalEnvironment,
  pipeline: Pipeline,
): Promise<{
  root: string;
  targets: ReplayTargets;
  deliveries: Array<[string, DeliveryStats]>;
  quarantinedAgain: Array<{ lines: number; quarantineKey: string }>;
  parkedAgain: Array<{ changes: number; key: string; reason: string }>;
}> {
  const handlers = await loadLocalHandlers(environment, pipeline);
  const notifications = await LocalS3Notifications.watch(
    environment.store,
    environment.rawBucket,
    DynamoLayout.flattenerNotifications,
  );
  const deliveries: Array<[string, DeliveryStats]> = [];
  const quarantinedAgain: Array<{ lines: number; quarantineKey: string }> = [];
  const parkedAgain: Array<{ changes: number; key: string; reason: string }> = [];
  const tableOf = new Map(pipeline.dynamodb.map((t) => [localDynamoTableName(environment, t.name), t.name]));
  return {
    root: environment.root,
    deliveries,
    quarantinedAgain,
    parkedAgain,
    targets: {
      async sendToStreamFunction(records) {
        const arn = parseStreamArn(records[0]?.eventSourceARN ?? '');
        // replayed records are not read from the stream, so no record age applies
        const mapping = localStreamMapping(environment, handlers, tableOf.get(arn.table) ?? arn.table, {
          now: Date.now,
          settings: { maximumRecordAgeSeconds: -1 },
        });
        const outcome = await mapping.process(records);
        const event = await notifications.take();
        if (event) await handlers.s3Flatten(event);
        for (const parked of outcome.parked)
          parkedAgain.push({ changes: parked.records.length, key: parked.key, reason: parked.reason });
      },
      async sendToStream(stream, records) {
        const results = await ingestStreams(environment, pipeline, handlers, [{ stream, records }]);
        deliveries.push(...results);
      },
      async putRawObject(key, body) {
        await environment.store.put(environment.rawBucket, key, body);
        const event = await notifications.take();
        if (event) await handlers.s3Flatten(event);
        const source = DynamoLayout.classify(key);
        if (source.kind === 'other') return;
        const quarantineKey = DynamoLayout.quarantineKey(source);
        const quarantined = await getBytes(environment.store, environment.rawBucket, quarantineKey).catch(
          () => undefined,
        );
        const lines =
          quarantined
            ?.toString('utf8')
            .split('\n')
            .filter((line) => line.trim() !== '').length ?? 0;
        if (lines > 0) quarantinedAgain.push({ lines, quarantineKey });
      },
    },
  };
}

/** A deployed stage: PutRecordBatch to its delivery streams, PutObject to its raw bucket. */
function deployedTargets(
  stage: string,
  rawBucket: string | undefined,
  bufferSeconds: number,
  region: string | undefined,
): ReplayTargets {
  const firehose = awsFirehose(undefined, region);
  let s3: S3ObjectStore | undefined;
  return {
    sendToStream: (stream, records) =>
      reingestRecords(firehose, `${stageResourcePrefix(stage)}-${stream}`, records),
    sendToStreamFunction: async () => {
      throw new ReplayError('parked DynamoDB stream records replay to the local stage only');
    },
    // a group's records may take 1.5 times the buffering interval to be written
    betweenPartitionGroups: () => sleep(bufferSeconds * 1500),
    async putRawObject(key, body) {
      s3 ??= new S3ObjectStore(new S3Client(region ? { region } : {}));
      await s3.put(rawBucket!, key, body, { contentType: 'application/x-ndjson', contentEncoding: 'gzip' });
    },
  };
}

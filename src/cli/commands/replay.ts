import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { STAGE_NAME, stageResourcePrefix } from '../../lib/config/stage-names';
import { DynamoLayout } from '../../lib/dynamodb/layout';
import { awsFirehose } from '../../lib/firehose/aws-firehose';
import { reingestRecords } from '../../lib/firehose/reingest';
import { ingestStreams } from '../../lib/local/ingest-streams';
import type { DeliveryStats } from '../../lib/local/local-delivery-stream';
import {
  DEFAULT_LOCAL_ROOT,
  type LocalEnvironment,
  localEnvironment,
} from '../../lib/local/local-environment';
import { loadLocalHandlers } from '../../lib/local/local-handlers';
import { requireLocalLake } from '../../lib/local/local-root';
import { LocalS3Notifications } from '../../lib/local/local-s3-notifications';
import { failureReasons } from '../../lib/local/source-warnings';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import type { Pipeline } from '../../lib/pipeline/pipeline';
import { type ReplayTargets, replayBatches } from '../../lib/replay/replay';
import { listReplayFiles, readReplayBatches } from '../../lib/replay/replay-source';
import { getBytes } from '../../lib/storage/object-store';
import { S3ObjectStore } from '../../lib/storage/s3-object-store';
import { type CommandIo, counted, UsageError, writeLine } from '../io';

export const REPLAY_HELP = `Usage: tributary replay <file|directory|s3://bucket/prefix> [options]

Sends records that failed back through the pipeline after a fix:
  - Firehose error output (errors/<stream>/processing-failed/..., format-conversion-failed/...)
    goes back into its delivery stream, so the transform Lambda runs on it again;
  - DynamoDB quarantine files (lake/<table>_changes/.../_*.quarantine.ndjson) go back as a new
    raw object beside the one each line came from, so the flattener runs on it again.

  --to local|deployed  where to send (default local: the local stand-ins under --root)
  --root DIR           local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT})
  --stage S            the deployed stage (with --to deployed): streams tributary-S-<stream>
  --raw-bucket B       the deployed stage's raw bucket, for quarantine files (with --to deployed)
  --stream NAME        the stream of Firehose error files whose path does not say it
  --delete             delete the replayed files once every record was accepted
  --help               show this help

Reading s3:// locations and --to deployed use the AWS credentials of the environment.`;

export async function replayCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      to: { type: 'string', default: 'local' },
      root: { type: 'string' },
      stage: { type: 'string' },
      'raw-bucket': { type: 'string' },
      stream: { type: 'string' },
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

  const location = positionals[0]!;
  const files = await listReplayFiles(location, () => new S3ObjectStore(new S3Client({})));
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
  if (values.to === 'deployed' && batches.some((b) => b.kind === 'quarantine') && !values['raw-bucket']) {
    throw new UsageError('quarantine files go to the raw bucket: give --raw-bucket');
  }

  const localStage = values.to === 'local' ? localEnvironment(values.root, pipeline.database) : undefined;
  if (localStage) requireLocalLake(localStage);
  const local = localStage ? await localTargets(localStage, pipeline) : undefined;
  const targets = local?.targets ?? deployedTargets(values.stage!, values['raw-bucket']);
  const outcome = await replayBatches(batches, targets);
  const where = values.to === 'local' ? `the local stage in ${local!.root}` : `stage ${values.stage}`;
  writeLine(
    io.stdout,
    `Replayed ${counted(outcome.records, 'Firehose record')} and ${counted(outcome.lines, 'quarantined line')} from ${counted(files.length, 'file')} to ${where}`,
  );
  for (const key of outcome.rawObjects) writeLine(io.stdout, `  raw object ${key}`);
  let stillFailing = 0;
  for (const { lines, quarantineKey } of local?.quarantinedAgain ?? []) {
    stillFailing += lines;
    writeLine(io.stdout, `  ${counted(lines, 'line')} quarantined again (now in ${quarantineKey})`);
  }
  for (const [stream, stats] of local?.deliveries ?? []) {
    stillFailing += stats.processingFailed + stats.conversionFailed;
    writeLine(
      io.stdout,
      `  ${stream}: ${counted(stats.rowsWritten, 'row')} written, ${stats.processingFailed + stats.conversionFailed} failed again` +
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
}> {
  const handlers = await loadLocalHandlers(environment, pipeline);
  const notifications = await LocalS3Notifications.watch(
    environment.store,
    environment.rawBucket,
    DynamoLayout.flattenerNotifications,
  );
  const deliveries: Array<[string, DeliveryStats]> = [];
  const quarantinedAgain: Array<{ lines: number; quarantineKey: string }> = [];
  return {
    root: environment.root,
    deliveries,
    quarantinedAgain,
    targets: {
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
        const quarantined = await getBytes(environment.store, environment.lakeBucket, quarantineKey).catch(
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
function deployedTargets(stage: string, rawBucket: string | undefined): ReplayTargets {
  const firehose = awsFirehose();
  let s3: S3ObjectStore | undefined;
  return {
    sendToStream: (stream, records) =>
      reingestRecords(firehose, `${stageResourcePrefix(stage)}-${stream}`, records),
    async putRawObject(key, body) {
      s3 ??= new S3ObjectStore(new S3Client({}));
      await s3.put(rawBucket!, key, body, { contentType: 'application/x-ndjson', contentEncoding: 'gzip' });
    },
  };
}

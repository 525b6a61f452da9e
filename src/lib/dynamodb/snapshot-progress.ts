import { getBytes, type ObjectStore } from '../storage/object-store';
import { DynamoLayout } from './layout';

/** What the `Check snapshot flattened` state asks, once DynamoDB says an export is COMPLETED. */
export interface SnapshotCheckRequest {
  readonly table: string;
  readonly exportArn: string;
  /** The export's bucket and prefix, as ExportTableToPointInTime was asked. */
  readonly S3Bucket: string;
  readonly S3Prefix: string;
  /** Checks made before this one. */
  readonly attempts: number;
}

export interface QuarantinedDataFile {
  readonly dataFile: string;
  readonly quarantine: string;
}

export interface SnapshotProgress {
  readonly table: string;
  readonly exportArn: string;
  /** Every data file the manifest lists has its Parquet part in the lake. */
  readonly complete: boolean;
  /** Checks made, this one included. */
  readonly attempts: number;
  readonly dataFiles: number;
  /** Data files not flattened yet (at most 20 named; `message` gives the count). */
  readonly pending: readonly string[];
  /** Data files flattened with lines set aside: the snapshot lacks those items. */
  readonly quarantined: readonly QuarantinedDataFile[];
  readonly message: string;
}

/** An export's manifest is missing or lists something that is not one of its data files. */
export class ExportManifestError extends Error {
  override readonly name = 'ExportManifestError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    reason: string,
  ) {
    super(`Export manifest s3://${bucket}/${key}: ${reason}`);
  }
}

const NAMED_PENDING = 20;

/** `arn:…:table/<name>/export/<export id>` → the export id, the folder DynamoDB writes under. */
function exportId(exportArn: string): string {
  const id = /\/export\/([^/]+)$/.exec(exportArn)?.[1];
  if (!id) throw new Error(`${exportArn} is not an export ARN`);
  return id;
}

/** The data files an export wrote, from its manifest-files.json (one JSON object a line). */
export async function exportDataFiles(
  store: ObjectStore,
  request: Pick<SnapshotCheckRequest, 'exportArn' | 'S3Bucket' | 'S3Prefix'>,
): Promise<string[]> {
  const key = `${request.S3Prefix}AWSDynamoDB/${exportId(request.exportArn)}/manifest-files.json`;
  let text: string;
  try {
    text = (await getBytes(store, request.S3Bucket, key)).toString('utf8');
  } catch (error) {
    throw new ExportManifestError(request.S3Bucket, key, (error as Error).message);
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      let entry: { dataFileS3Key?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        throw new ExportManifestError(request.S3Bucket, key, `line ${index + 1} is not JSON`);
      }
      if (typeof entry.dataFileS3Key !== 'string')
        throw new ExportManifestError(request.S3Bucket, key, `line ${index + 1} has no dataFileS3Key`);
      return entry.dataFileS3Key;
    });
}

/**
 * Whether s3Flatten has turned every data file of a completed export into its part of the
 * snapshot table. Each data file has one output key of its own (and one quarantine key), so a
 * list of the snapshot's day partition answers for all of them, however often S3 delivered each
 * notification.
 */
export async function checkSnapshotFlattened(
  store: ObjectStore,
  lakeBucket: string,
  request: SnapshotCheckRequest,
): Promise<SnapshotProgress> {
  const dataFiles = await exportDataFiles(store, request);
  const outputs = dataFiles.map((dataFile) => {
    const source = DynamoLayout.classify(dataFile);
    if (source.kind !== 'export' || source.table !== request.table) {
      throw new ExportManifestError(
        request.S3Bucket,
        dataFile,
        `is not a data file of an export of ${request.table} where s3Flatten reads exports`,
      );
    }
    return {
      dataFile,
      output: DynamoLayout.outputKey(source),
      quarantine: DynamoLayout.quarantineKey(source),
    };
  });
  const present = new Set<string>();
  const folders = new Set(outputs.map((o) => o.output.slice(0, o.output.lastIndexOf('/') + 1)));
  for (const folder of folders) {
    for await (const object of store.list(lakeBucket, folder)) present.add(object.key);
  }
  // quarantine files sit beside their data file, in the export's (raw) bucket
  const quarantines = new Set(outputs.map((o) => o.quarantine.slice(0, o.quarantine.lastIndexOf('/') + 1)));
  for (const folder of quarantines) {
    for await (const object of store.list(request.S3Bucket, folder)) present.add(object.key);
  }
  const pending = outputs.filter((o) => !present.has(o.output)).map((o) => o.dataFile);
  const quarantined = outputs
    .filter((o) => present.has(o.output) && present.has(o.quarantine))
    .map(({ dataFile, quarantine }) => ({ dataFile, quarantine }));
  const attempts = request.attempts + 1;
  const snapshot = DynamoLayout.snapshotTable(request.table);
  const message =
    pending.length > 0
      ? `${pending.length} of ${dataFiles.length} data files of export ${request.exportArn} not flattened into ${snapshot} after ${attempts} checks: ${pending.slice(0, NAMED_PENDING).join(', ')}${pending.length > NAMED_PENDING ? ', …' : ''}. Look for their failures in s3Flatten's logs and failure destination; to send one again, copy it onto itself (S3 notifies s3Flatten again), then run the day again`
      : quarantined.length > 0
        ? `${snapshot} is partial: ${quarantined.length} of ${dataFiles.length} data files of export ${request.exportArn} had lines quarantined (${quarantined.map((q) => q.quarantine).join(', ')}); fix and replay them, then run the day again`
        : `all ${dataFiles.length} data files of export ${request.exportArn} flattened into ${snapshot}`;
  return {
    table: request.table,
    exportArn: request.exportArn,
    complete: pending.length === 0,
    attempts,
    dataFiles: dataFiles.length,
    pending: pending.slice(0, NAMED_PENDING),
    quarantined,
    message,
  };
}

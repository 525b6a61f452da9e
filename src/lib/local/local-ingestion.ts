import type { ParquetCodec } from '../parquet/parquet-writer';
import type { Pipeline } from '../pipeline/pipeline';
import type { SourceKindName } from '../sources/source-kind';
import type { LocalDynamoTable } from '../standins/dynamodb/local-dynamodb';
import type { DeliveryStats } from '../standins/firehose/local-delivery-stream';
import type { LocalS3Notifications } from '../standins/s3/local-s3-notifications';
import { type CaptureStats, captureChanges, type DynamoSource } from './capture-changes';
import { ingestStreams, type StreamSource } from './ingest-streams';
import type { LocalEnvironment } from './local-environment';
import type { LocalHandlers } from './local-handlers';
import type { ProgressEvent } from './local-pipeline';

/** What a local run is given of one source of each kind, and what its ingestion reports of it. */
export interface LocalSourceData {
  readonly stream: { readonly records: StreamSource; readonly stats: DeliveryStats };
  readonly dynamodb: { readonly records: DynamoSource; readonly stats: CaptureStats };
}

export type LocalRecords<K extends SourceKindName> = LocalSourceData[K]['records'];
export type LocalStats<K extends SourceKindName> = LocalSourceData[K]['stats'];

/** The stand-ins of a local run that its ingestion feeds. */
export interface LocalIngestion {
  readonly environment: LocalEnvironment;
  readonly pipeline: Pipeline;
  readonly handlers: LocalHandlers;
  readonly codec: ParquetCodec;
  /** The local DynamoDB tables, which the daily pipeline's export states read afterwards. */
  readonly dynamodbTables: ReadonlyMap<string, LocalDynamoTable>;
  /** The raw bucket's notifications to the flattener, which the export states deliver too. */
  readonly notifications: LocalS3Notifications;
  readonly progress: (event: ProgressEvent) => void;
}

/** How one kind of source is ingested on this machine. */
export interface LocalSourceKind<K extends SourceKindName> {
  /** The name of the run's timing that the kind's ingestion is counted in. */
  readonly timing: string;
  /** Sends a run's records of this kind through the stand-ins and real handlers, source by source. */
  ingest(run: LocalIngestion, sources: readonly LocalRecords<K>[]): Promise<Map<string, LocalStats<K>>>;
}

/** Each kind's local ingestion: a new kind in SourceSpecs fails to compile here until it has one. */
export type LocalSourceKinds = { readonly [K in SourceKindName]: LocalSourceKind<K> };

export const LOCAL_SOURCES: LocalSourceKinds = {
  stream: {
    timing: 'ingest',
    ingest: (run, sources) =>
      ingestStreams(run.environment, run.pipeline, run.handlers, sources, {
        codec: run.codec,
        onProgress: (stream, stats) => run.progress({ kind: 'ingest', stream, stats }),
      }),
  },
  dynamodb: {
    timing: 'capture',
    ingest: (run, sources) =>
      captureChanges(
        run.environment,
        run.handlers,
        run.notifications,
        run.dynamodbTables,
        sources,
        (table, stats) => run.progress({ kind: 'capture', table, stats }),
      ),
  },
};

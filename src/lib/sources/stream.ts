import { LakeLayout } from '../pipeline/lake-layout';
import type { SourceKind } from './source-kind';

/** A Firehose stream: one lake table of its name, partitioned by day and hour of arrival, whose days compaction and backfill rewrite. */
export const STREAM_SOURCE: SourceKind<'stream'> = {
  kind: 'stream',
  title: 'Firehose stream',
  specs: (pipeline) => pipeline.streams,
  lakeTables: (stream) => [
    {
      name: stream.name,
      description: stream.description,
      columns: stream.columns,
      partitioning: 'day-hour',
      prefix: LakeLayout.table(stream.name),
      rewritable: true,
    },
  ],
  flatteningFunction: 'firehoseTransform',
};

import type { LakeTable } from '../pipeline/lake-tables';
import type { DynamoTableSpec, Pipeline, StreamSpec } from '../pipeline/pipeline';

/**
 * The kinds of source the pipeline ingests, each with the spec its pipeline.yml entries parse to.
 * A new kind starts here: its name and spec, then its module (./<kind>.ts) and its entry in
 * ./registry.ts; every table keyed by SourceKindName (stack, local run, report) then fails to
 * compile until it says what the new kind does there.
 */
export interface SourceSpecs {
  /** A Firehose delivery stream of JSON events (`streams:`). */
  readonly stream: StreamSpec;
  /** A DynamoDB table: its stream's changes and its daily export (`dynamodb:`). */
  readonly dynamodb: DynamoTableSpec;
}

export type SourceKindName = keyof SourceSpecs;

/** The section of pipeline.yml each kind's sources are declared in. */
export const SOURCE_SECTIONS = {
  stream: 'streams',
  dynamodb: 'dynamodb',
} as const satisfies { readonly [K in SourceKindName]: string };

export type SourceSection = (typeof SOURCE_SECTIONS)[SourceKindName];

/** The Lambda function that flattens a kind's records, and so holds the hash key when its sources hash. */
export type FlatteningFunction = 'firehoseTransform' | 's3Flatten';

/** What every part of the pipeline below the stack needs to know of one kind of source. */
export interface SourceKind<K extends SourceKindName> {
  readonly kind: K;
  /** What people call one source of this kind, in messages and the run report. */
  readonly title: string;
  /** The kind's sources that pipeline.yml declares, in their order there. */
  specs(pipeline: Pipeline): readonly SourceSpecs[K][];
  /** The lake tables ingestion writes for one source. */
  lakeTables(spec: SourceSpecs[K]): LakeTable[];
  readonly flatteningFunction: FlatteningFunction;
}

/** One declared source with its kind: what shared code loops over instead of naming the kinds. */
export type DeclaredSource = {
  readonly [K in SourceKindName]: { readonly kind: K; readonly spec: SourceSpecs[K] };
}[SourceKindName];

/**
 * A part of the pipeline that does something per kind of source (its stack resources, its local
 * stand-in, its lineage): one function per kind, and the compiler asks for every kind.
 */
export type PerSourceKind<Args extends unknown[], R> = {
  readonly [K in SourceKindName]: (spec: SourceSpecs[K], ...args: Args) => R;
};

/** Calls the function of a source's kind with its spec. */
export function forSource<Args extends unknown[], R>(
  source: DeclaredSource,
  table: PerSourceKind<Args, R>,
  ...args: Args
): R {
  return (table[source.kind] as (spec: DeclaredSource['spec'], ...rest: Args) => R)(source.spec, ...args);
}

import type { LakeTable } from '../pipeline/lake-tables';
import type { Pipeline } from '../pipeline/pipeline';
import { DYNAMODB_SOURCE } from './dynamodb';
import type { DeclaredSource, SourceKind, SourceKindName } from './source-kind';
import { STREAM_SOURCE } from './stream';

/** Every kind of source, in the order their sources and lake tables are listed. */
export const SOURCE_KINDS: { readonly [K in SourceKindName]: SourceKind<K> } = {
  stream: STREAM_SOURCE,
  dynamodb: DYNAMODB_SOURCE,
};

function declaredOf<K extends SourceKindName>(kind: K, pipeline: Pipeline): DeclaredSource[] {
  return SOURCE_KINDS[kind].specs(pipeline).map((spec) => ({ kind, spec }) as DeclaredSource);
}

/** Every source pipeline.yml declares, kind by kind. */
export function declaredSources(pipeline: Pipeline): DeclaredSource[] {
  return (Object.keys(SOURCE_KINDS) as SourceKindName[]).flatMap((kind) => declaredOf(kind, pipeline));
}

export function sourceKind<K extends SourceKindName>(kind: K): SourceKind<K> {
  return SOURCE_KINDS[kind];
}

/** The lake tables one source's ingestion writes. */
export function lakeTablesOf(source: DeclaredSource): LakeTable[] {
  return (SOURCE_KINDS[source.kind] as SourceKind<SourceKindName>).lakeTables(source.spec as never);
}

/** The lake tables ingestion writes, defined by the pipeline description alone (see LakeTable). */
export function ingestedLakeTables(pipeline: Pipeline): LakeTable[] {
  return declaredSources(pipeline).flatMap(lakeTablesOf);
}

import { localHashKey } from '../lib/local/local-hash-key';
import type { Pipeline } from '../lib/pipeline/pipeline';
import { declaredSources } from '../lib/sources/registry';
import { SOURCE_SECTIONS, type SourceKindName, type SourceSpecs } from '../lib/sources/source-kind';
import { type CommandIo, UsageError, writeLine } from './io';

/** A table of the pipeline description named on the command line, with its pipeline.yml section. */
export type NamedTable = {
  readonly [K in SourceKindName]: {
    readonly section: (typeof SOURCE_SECTIONS)[K];
    readonly spec: SourceSpecs[K];
  };
}[SourceKindName];

/** The source of that name, the first in the registry's order of kinds. */
export function findTable(pipeline: Pipeline, name: string): NamedTable | undefined {
  const source = declaredSources(pipeline).find((s) => s.spec.name === name);
  return source && ({ section: SOURCE_SECTIONS[source.kind], spec: source.spec } as NamedTable);
}

export function requireTable(pipeline: Pipeline, name: string): NamedTable {
  const table = findTable(pipeline, name);
  if (table) return table;
  const known = declaredSources(pipeline)
    .map((source) => source.spec.name)
    .join(', ');
  throw new UsageError(
    `no table ${JSON.stringify(name)} in pipeline.yml (streams and DynamoDB tables: ${known})`,
  );
}

/** The key for hash rules, noting on stderr when the development key stands in. */
export function hashKeyFor(table: NamedTable | undefined, io: CommandIo): string | undefined {
  if (!table || table.spec.flatten.hash.length === 0) return undefined;
  const { key, development } = localHashKey();
  if (development) {
    writeLine(io.stderr, 'note: TRIBUTARY_HASH_KEY is not set; hashing with the local development key');
  }
  return key;
}

/** `file:line: message`, or `line N: message` when reading stdin. */
export function lineReference(file: string, line: number): string {
  return file === '-' ? `line ${line}` : `${file}:${line}`;
}

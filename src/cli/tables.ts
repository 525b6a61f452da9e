import { localHashKey } from '../lib/local/local-hash-key';
import {
  type DynamoTableSpec,
  findDynamoTable,
  findStream,
  type Pipeline,
  type StreamSpec,
} from '../lib/pipeline/pipeline';
import { declaredSources } from '../lib/sources/registry';
import { type CommandIo, UsageError, writeLine } from './io';

/** A table of the pipeline description named on the command line. */
export type NamedTable =
  | { readonly section: 'streams'; readonly spec: StreamSpec }
  | { readonly section: 'dynamodb'; readonly spec: DynamoTableSpec };

export function findTable(pipeline: Pipeline, name: string): NamedTable | undefined {
  const stream = findStream(pipeline, name);
  if (stream) return { section: 'streams', spec: stream };
  const table = findDynamoTable(pipeline, name);
  return table ? { section: 'dynamodb', spec: table } : undefined;
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

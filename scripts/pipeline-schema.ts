/**
 * pipeline.schema.json, the JSON Schema of pipeline.yml, generated from the valibot schema that
 * parsePipeline validates with: `node --require ./scripts/register.cjs scripts/pipeline-schema.ts`.
 * pipeline.yml names it for editors (`# yaml-language-server: $schema=./pipeline.schema.json`);
 * test/scripts/pipeline-schema.test.ts fails when the committed file is stale.
 *
 * JSON Schema says what each entry may hold; the checks across entries (keys that are declared
 * columns, transform order, unique names) stay parsePipeline's, which names them at build time.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJsonSchema } from '@valibot/to-json-schema';
import { PIPELINE_SCHEMA } from '../src/lib/pipeline/pipeline';

export const PIPELINE_SCHEMA_FILE = join(__dirname, '..', 'pipeline.schema.json');

/** Keys the loader adds itself (the SQL file's text): not for people to write. */
const INTERNAL_KEYS = ['sqlText'];

function withoutInternalKeys(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutInternalKeys);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node).map(([key, value]) => {
    if (key === 'properties' && typeof value === 'object' && value !== null)
      return [
        key,
        Object.fromEntries(
          Object.entries(value)
            .filter(([name]) => !INTERNAL_KEYS.includes(name))
            .map(([name, schema]) => [name, withoutInternalKeys(schema)]),
        ),
      ];
    return [key, withoutInternalKeys(value)];
  });
  return Object.fromEntries(entries);
}

export function pipelineJsonSchema(): Record<string, unknown> {
  // the checks written as code (patterns with their hints, cross-field rules) have no JSON Schema
  // form: their `metadata` carries what JSON Schema can say, and the rest is left to parsePipeline
  const { $schema, ...schema } = toJsonSchema(PIPELINE_SCHEMA, { errorMode: 'ignore' });
  return {
    $schema,
    title: 'Tributary pipeline description (pipeline.yml)',
    ...(withoutInternalKeys(schema) as Record<string, unknown>),
  };
}

export function pipelineJsonSchemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(PIPELINE_SCHEMA_FILE, pipelineJsonSchemaText());
  // laid out as the formatter lays out every JSON file of the repository
  execFileSync(join(__dirname, '..', 'node_modules', '.bin', 'biome'), [
    'format',
    '--write',
    PIPELINE_SCHEMA_FILE,
  ]);
}

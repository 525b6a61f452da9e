import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { PIPELINE_SCHEMA_FILE, pipelineJsonSchemaText } from '../../scripts/pipeline-schema';
import { ConfigError } from '../../src/lib/config/config-error';
import { parsePipeline } from '../../src/lib/pipeline/pipeline';
import { largePipeline } from '../support/large-pipeline';

const ROOT = join(__dirname, '..', '..');
const committed = readFileSync(PIPELINE_SCHEMA_FILE, 'utf8');
const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(JSON.parse(committed));
const shipped = parse(readFileSync(join(ROOT, 'pipeline.yml'), 'utf8')) as Record<string, unknown>;

const stream = {
  name: 'events',
  keys: ['id'],
  columns: [
    { name: 'id', type: 'string' },
    { name: 'ts', type: 'timestamp' },
  ],
};

/** A Pipeline as pipeline.yml writes it: the parsed fields it fills in left out again. */
function asDocument(pipeline: ReturnType<typeof largePipeline>): Record<string, unknown> {
  return {
    database: pipeline.database,
    streams: pipeline.streams.map(({ name, keys, columns }) => ({
      name,
      keys,
      columns: columns.map((c) => ({ name: c.name, type: c.type.kind })),
    })),
    transforms: pipeline.transforms.map(({ name, sql, mode, partitionedBy, sources }) => ({
      name,
      sql,
      mode,
      partitionedBy,
      sources,
    })),
  };
}

describe('pipeline.schema.json, the JSON Schema editors check pipeline.yml with', () => {
  it('is generated from the schema parsePipeline validates with (rerun scripts/pipeline-schema.ts)', () => {
    expect(JSON.parse(committed)).toEqual(JSON.parse(pipelineJsonSchemaText()));
  });

  it('is named by pipeline.yml for the YAML language server', () => {
    expect(readFileSync(join(ROOT, 'pipeline.yml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\/pipeline\.schema\.json\n/,
    );
  });

  it.each([
    ['the shipped pipeline.yml', shipped],
    ['a stream alone', { database: 'lake', streams: [stream] }],
    ['a large generated pipeline', asDocument(largePipeline({ tables: 4, transforms: 3 }))],
  ])('accepts %s', (_, document) => {
    expect(validate(document) ? [] : validate.errors).toEqual([]);
  });

  it.each([
    ['a misspelt key', { database: 'lake', streams: [{ ...stream, colums: [] }] }],
    ['a column without a type', { database: 'lake', streams: [{ ...stream, columns: [{ name: 'id' }] }] }],
    ['a depth out of range', { database: 'lake', streams: [{ ...stream, flatten: { maxDepth: 0 } }] }],
    [
      'an unknown load mode',
      { database: 'lake', loads: [{ name: 'l', transform: 't', table: 't', mode: 'upsert' }] },
    ],
    ['a database name with capitals', { database: 'Lake' }],
    ['an exploded stream', { database: 'lake', streams: [{ ...stream, flatten: { explode: ['items'] } }] }],
    ['no database', { streams: [stream] }],
  ])('refuses %s, as parsePipeline does', (_, document) => {
    expect(validate(document)).toBe(false);
    expect(() => parsePipeline(document)).toThrow(ConfigError);
  });
});

import { findTable } from '../../src/cli/tables';
import { parsePipeline } from '../../src/lib/pipeline/pipeline';
import { SOURCE_KINDS } from '../../src/lib/sources/registry';
import { SOURCE_SECTIONS, type SourceKindName } from '../../src/lib/sources/source-kind';

const pipeline = parsePipeline({
  database: 'lake',
  streams: [{ name: 'clicks', columns: [{ name: 'id', type: 'string' }] }],
  dynamodb: [{ name: 'users', keys: ['user_id'], columns: [{ name: 'user_id', type: 'string' }] }],
});

describe('findTable', () => {
  it('finds a source of any kind with the pipeline.yml section it is declared in', () => {
    expect(findTable(pipeline, 'clicks')).toEqual({ section: 'streams', spec: pipeline.streams[0] });
    expect(findTable(pipeline, 'users')).toEqual({ section: 'dynamodb', spec: pipeline.dynamodb[0] });
    expect(findTable(pipeline, 'orders')).toBeUndefined();
  });

  it('names for each kind the section its specs are read from', () => {
    for (const kind of Object.keys(SOURCE_KINDS) as SourceKindName[])
      expect(SOURCE_KINDS[kind].specs(pipeline)).toBe(pipeline[SOURCE_SECTIONS[kind]]);
  });
});

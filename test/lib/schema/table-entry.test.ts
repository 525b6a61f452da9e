import { parse } from 'yaml';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { inferColumns } from '../../../src/lib/schema/infer';
import { flattenSampleLine } from '../../../src/lib/schema/sample-rows';
import { tableEntryYaml } from '../../../src/lib/schema/table-entry';

const rows = (...lines: string[]) => lines.map((line) => flattenSampleLine(line, new FlattenPlan()).row);

/** The entry must drop into pipeline.yml as it is. */
function asPipeline(yaml: string) {
  return parsePipeline({
    database: 'd',
    streams: [],
    dynamodb: [],
    transforms: [],
    loads: [],
    ...parse(yaml),
  });
}

describe('tableEntryYaml', () => {
  it('writes a new stream that pipeline.yml accepts, with an event time and conflicts marked', () => {
    const columns = inferColumns(
      rows('{"id":"a","sent_at":"2026-01-01T00:00:00Z","v":1.5,"n":1}', '{"id":"b","n":"x"}'),
    );
    const yaml = tableEntryYaml('orders', 'streams', columns);
    expect(yaml).toContain('eventTime: sent_at');
    expect(yaml).toContain('- { name: n, type: string } # type conflict: string (1) and number (1)');
    const [stream] = asPipeline(yaml).streams;
    expect(stream).toMatchObject({ name: 'orders', eventTime: 'sent_at' });
    expect(stream!.columns.map((c) => [c.name, c.type.kind])).toEqual([
      ['id', 'string'],
      ['sent_at', 'timestamp'],
      ['v', 'double'],
      ['n', 'string'],
    ]);
  });

  it("keeps an existing table's keys, rules, demo table and column comments", () => {
    const users = bundledPipeline().dynamodb.find((t) => t.name === 'users')!;
    const columns = inferColumns(
      rows('{"user_id":"u","email":"e","lifetime_value":123456789012345678.5}'),
      users.keys,
    );
    const parsed = asPipeline(tableEntryYaml('users', 'dynamodb', columns, users)).dynamodb[0]!;
    expect(parsed.keys).toEqual(['user_id']);
    expect(parsed.flatten).toEqual(users.flatten);
    expect(parsed.demo).toEqual(users.demo);
    expect(parsed.columns.find((c) => c.name === 'email')!.comment).toBe('HMAC-SHA256 of the address');
    expect(parsed.columns.find((c) => c.name === 'lifetime_value')!.type).toEqual({
      kind: 'decimal',
      precision: 38,
      scale: 1,
    });
  });
});

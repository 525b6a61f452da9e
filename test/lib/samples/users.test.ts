import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userChanges } from '../../../src/lib/samples/users';
import { SAMPLES_DIRECTORY } from '../../../src/lib/util/project-paths';

describe('the shipped users stream sample', () => {
  const shipped = readFileSync(join(SAMPLES_DIRECTORY, 'users-stream.ndjson'), 'utf8').trim().split('\n');

  it('is exactly what the generator writes (node --require ./scripts/register.cjs scripts/generate-samples.ts)', () => {
    expect(shipped).toEqual([...userChanges()].map((record) => JSON.stringify(record)));
  });

  it('covers inserts, modifies, removes and every attribute type, all on one day', () => {
    const records = shipped.map((line) => JSON.parse(line));
    const kinds = new Set(records.map((r) => r.eventName));
    expect(kinds).toEqual(new Set(['INSERT', 'MODIFY', 'REMOVE']));
    const types = new Set<string>();
    const visit = (value: any) => {
      for (const attribute of Object.values<any>(value)) {
        const [type, inner] = Object.entries(attribute)[0]!;
        types.add(type);
        if (type === 'M') visit(inner);
        if (type === 'L') for (const item of inner as any[]) visit({ item });
      }
    };
    for (const record of records) if (record.dynamodb.NewImage) visit(record.dynamodb.NewImage);
    expect([...types].sort()).toEqual(['B', 'BOOL', 'BS', 'L', 'M', 'N', 'NS', 'NULL', 'S', 'SS']);
    const days = new Set(
      records.map((r) => new Date(r.dynamodb.ApproximateCreationDateTime * 1000).toISOString().slice(0, 10)),
    );
    expect(days).toEqual(new Set(['2026-11-20']));
  });
});

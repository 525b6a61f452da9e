import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';

// pipeline.yml with a stream and a DynamoDB table added that have no samples/ file, as a person
// adding them would leave it before writing any sample
jest.mock('../../src/lib/pipeline/bundled', () =>
  jest.requireActual('../support/bundled-pipeline').bundledPipelineWith((shipped: Record<string, any>) => ({
    ...shipped,
    streams: [
      ...shipped.streams,
      {
        name: 'orders',
        eventTime: 'ordered_at',
        keys: ['order_id'],
        columns: [
          { name: 'order_id', type: 'string' },
          { name: 'ordered_at', type: 'timestamp' },
          { name: 'customer__email', type: 'string' },
          { name: 'customer__address__country', type: 'string' },
          { name: 'total', type: 'decimal(12,2)' },
          { name: 'items', type: 'int' },
          { name: 'paid', type: 'boolean' },
          { name: 'delivery_date', type: 'date' },
        ],
      },
    ],
    dynamodb: [
      ...shipped.dynamodb,
      {
        name: 'carts',
        keys: ['cart_id'],
        columns: [
          { name: 'cart_id', type: 'string' },
          { name: 'status', type: 'string' },
          { name: 'value', type: 'double' },
          { name: 'updated_at', type: 'timestamp' },
        ],
      },
    ],
  })),
);

let root: string;
let run: ReturnType<typeof captureIo>;
let exitCode: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-new-tables-'));
  run = captureIo();
  exitCode = await main(['run', '--root', root], run);
}, 180_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('tributary run after a stream and a table are added to pipeline.yml', () => {
  it('generates records from their declared columns, and says so', () => {
    expect({ exitCode, output: exitCode === 0 ? '' : `${run.out()}\n${run.err()}` }).toEqual({
      exitCode: 0,
      output: '',
    });
    const out = run.out();
    expect(out).toContain(
      'No samples/orders.ndjson: sending 100 records generated from its columns in pipeline.yml',
    );
    expect(out).toContain('No samples/carts-stream.ndjson: sending 100 records generated');
    expect(out).toContain('orders: 100 records in, 100 rows in');
    expect(out).toContain('carts (DynamoDB): 130 changes in');
    expect(out).toMatch(/orders\s+100\s+\d/);
    expect(out).toMatch(/carts_changes\s+130\s+1/);
  });

  it('says where the loads went and names the transform or table on every step line', () => {
    expect(run.out()).toContain('Loads go to the embedded DuckDB warehouse');
    expect(run.out()).toMatch(/loads went to the embedded DuckDB warehouse .*warehouse\.duckdb/);
    const err = run.err();
    expect(err).toMatch(/step Run CTAS \(daily_event_counts\): succeeded/);
    expect(err).toMatch(/step Publish output \(users_current\): succeeded/);
    expect(err).toMatch(/step Load into database \(users\): succeeded/);
  });

  it('ends each progress line where the summary ends', () => {
    const captures = run.err().match(/capture users: .*/g) ?? [];
    expect(captures.at(-1)).toBe('capture users: 250 changes, 3 change files flattened');
    expect(run.out()).toContain('users (DynamoDB): 250 changes in 3 change files');
  });

  it('counts the change files written again under --keep, and keeps only the last reports', async () => {
    const reports = join(root, 'reports');
    for (let i = 0; i < 12; i++) await writeFile(join(reports, `old-${String(i).padStart(2, '0')}.html`), '');
    const again = captureIo();
    const code = await main(['run', '--root', root, '--keep'], again);
    // on failure, show what the run said
    expect({ code, output: code === 0 ? '' : `${again.out()}\n${again.err()}` }).toEqual({
      code: 0,
      output: '',
    });
    expect(again.out()).toContain('users (DynamoDB): 250 changes in 3 change files');
    expect(again.out()).toContain("the last 10 runs' reports are kept in");
    const kept = await readdir(reports);
    expect(kept).toHaveLength(10);
    expect(kept.some((name) => name.startsWith('local-'))).toBe(true);
  }, 180_000);
});

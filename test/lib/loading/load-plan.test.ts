import { LoadRequestError } from '../../../src/lib/loading/errors';
import { IdentifierError } from '../../../src/lib/loading/identifiers';
import { isConnectionLost, planLoad } from '../../../src/lib/loading/load-plan';
import type { LoadRequest, ResultColumn } from '../../../src/lib/loading/types';

const columns: ResultColumn[] = [
  { name: 'tenant', type: { kind: 'string' } },
  { name: 'id', type: { kind: 'bigint' } },
  { name: 'total', type: { kind: 'decimal', precision: 18, scale: 2 } },
];
const request = (overrides: Partial<LoadRequest> & { columns?: ResultColumn[] } = {}): LoadRequest => ({
  table: 'orders',
  mode: 'merge',
  keys: ['tenant', 'id'],
  ...overrides,
  result: { columns: overrides.columns ?? columns, rows: (async function* () {})() },
});

describe('planLoad', () => {
  it('names the columns a merge updates and gives each load its own scratch token', () => {
    const plan = planLoad(request());
    expect(plan).toMatchObject({
      table: 'orders',
      keys: ['tenant', 'id'],
      names: ['tenant', 'id', 'total'],
      values: ['total'],
    });
    expect(plan.token).toMatch(/^[0-9a-f]{10}$/);
    expect(planLoad(request()).token).not.toBe(plan.token);
  });

  it.each<[string, Partial<LoadRequest> & { columns?: ResultColumn[] }, string]>([
    ['a bad table name', { table: 'orders;' }, 'Invalid table name "orders;"'],
    [
      'a bad column name',
      { columns: [{ name: 'Total', type: { kind: 'int' } }] },
      'Invalid column name "Total"',
    ],
    ['a bad key name', { keys: ['id '] }, 'Invalid key column name "id "'],
  ])('refuses %s before anything else', (_, overrides, message) => {
    expect(() => planLoad(request(overrides))).toThrow(IdentifierError);
    expect(() => planLoad(request(overrides))).toThrow(message);
  });

  it('names every structural problem at once', () => {
    const bad = request({
      mode: 'upsert' as never,
      keys: ['id', 'id', 'region'],
      columns: [...columns, { name: 'id', type: { kind: 'int' } }],
    });
    expect(() => planLoad(bad)).toThrow(LoadRequestError);
    expect(() => planLoad(bad)).toThrow(
      [
        'Cannot load orders:',
        '  - mode "upsert" is not one of merge, replace, insert',
        '  - the result has duplicate column names: id',
        '  - key columns not in the result: region',
        '  - key columns repeat: id, id, region',
      ].join('\n'),
    );
    expect(() => planLoad(request({ keys: [] }))).toThrow('merge needs at least one key column');
    expect(() => planLoad(request({ columns: [], keys: [], mode: 'insert' }))).toThrow(
      'the result has no columns',
    );
  });
});

describe('isConnectionLost', () => {
  it.each([
    [
      'a packet over max_allowed_packet, even when the client marks it fatal',
      { code: 'ER_NET_PACKET_TOO_LARGE', errno: 1153, fatal: true },
      false,
    ],
    [
      'the same by its number alone',
      { errno: 1153, fatal: true, message: "Got a packet bigger than 'max_allowed_packet' bytes" },
      false,
    ],
    ['a connection the client lost', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }, true],
    ['a PostgreSQL connection exception', { code: '08006' }, true],
  ])('judges %s', (_, error, lost) => {
    expect(isConnectionLost(Object.assign(new Error('x'), error))).toBe(lost);
  });
});

import { lastColumnLine } from '../../../src/lib/schema/pipeline-location';

const text = [
  'database: lake', //1
  'streams:', //2
  '  - name: clicks', //3
  '    columns:', //4
  '      - { name: id, type: string }', //5
  '      - { name: at, type: timestamp } # when', //6
  '    keys: [id]', //7
  '  - name: views', //8
  '    columns:', //9
  '      - name: id', //10
  '        type: string', //11
  'dynamodb:', //12
  '  - name: users', //13
  '    columns: [{ name: user_id, type: string }]', //14
  '',
].join('\n');

describe('lastColumnLine', () => {
  it('finds the last column of a stream written in flow style', () => {
    expect(lastColumnLine(text, 'streams', 'clicks')).toBe(6);
  });

  it('finds the last line of a column written as a block', () => {
    expect(lastColumnLine(text, 'streams', 'views')).toBe(11);
  });

  it('finds a DynamoDB table in its own section only', () => {
    expect(lastColumnLine(text, 'dynamodb', 'users')).toBe(14);
    expect(lastColumnLine(text, 'streams', 'users')).toBeUndefined();
  });

  it('is undefined for a table that is not there', () => {
    expect(lastColumnLine(text, 'streams', 'orders')).toBeUndefined();
  });
});

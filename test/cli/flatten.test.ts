import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { userItem } from '../../src/lib/samples/users';
import { SAMPLES_DIRECTORY } from '../../src/lib/util/project-paths';
import { captureIo } from '../support/cli';

describe('tributary flatten', () => {
  it('flattens stdin to stdout, reporting malformed lines with their numbers and exiting 1', async () => {
    const io = captureIo('{"a":{"b":1,"c":[1,2]},"n":12345678901234567890}\n{bad\n\n[1]\n{"a":{"b":"x"}}\n');
    expect(await main(['flatten'], io)).toBe(1);
    expect(io.out()).toBe('{"a__b":1,"a__c":"[1,2]","n":12345678901234567890}\n{"a__b":"x"}\n');
    expect(io.err()).toContain('line 2: RecordDecodeError: Invalid JSON');
    expect(io.err()).toContain('line 4: RecordDecodeError: Record is an array, not a JSON object');
    expect(io.err()).toContain('flattened 2 records, 2 malformed');
  });

  it("applies a stream's options: key columns first and its maxDepth", async () => {
    const io = captureIo(
      '{"x":1,"event_id":"e1","user":{"traits":{"company":{"address":{"geo":{"accuracy":{"horizontal":{"meters":{"v":1,"w":{"z":{"q":2}}}}}}}}}}}\n',
    );
    expect(await main(['flatten', '--table', 'clickstream'], io)).toBe(0);
    expect(io.out()).toBe(
      '{"event_id":"e1","x":1,"user__traits__company__address__geo__accuracy__horizontal__meters__v":1,"user__traits__company__address__geo__accuracy__horizontal__meters__w__z":"{\\"q\\":2}"}\n',
    );
  });

  it('unmarshalls DynamoDB JSON for a DynamoDB table and hashes its private columns', async () => {
    const io = captureIo(`${JSON.stringify({ Item: userItem(1) })}\n{"user_id":"plain json"}\n`);
    expect(await main(['flatten', '--table', 'users'], io)).toBe(1);
    const row = JSON.parse(io.out()) as Record<string, unknown>;
    expect(Object.keys(row).slice(0, 3)).toEqual(['user_id', 'email', 'display_name']);
    expect(row.email).toMatch(/^[0-9a-f]{64}$/);
    expect(io.err()).toContain('note: TRIBUTARY_HASH_KEY is not set');
    expect(io.err()).toContain('line 2: AttributeValueError: line: not DynamoDB JSON');
  });

  it('reads files named on the command line', async () => {
    const io = captureIo();
    expect(
      await main(['flatten', '--table', 'clickstream', join(SAMPLES_DIRECTORY, 'clickstream.ndjson')], io),
    ).toBe(1);
    expect(io.out().split('\n').filter(Boolean)).toHaveLength(403);
    expect(io.err()).toMatch(/clickstream\.ndjson:58: RecordDecodeError/);
  });

  it('refuses an unknown table, listing the known ones', async () => {
    const io = captureIo('{}\n');
    expect(await main(['flatten', '--table', 'nope'], io)).toBe(2);
    expect(io.err()).toContain(
      'no table "nope" in pipeline.yml (streams and DynamoDB tables: clickstream, users)',
    );
  });

  it('explains itself', async () => {
    const io = captureIo();
    expect(await main(['flatten', '--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: tributary flatten');
  });
});

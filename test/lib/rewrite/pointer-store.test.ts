import type { S3Client } from '@aws-sdk/client-s3';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { PointerConflictError, s3Pointers } from '../../../src/lib/rewrite/pointer-store';
import type { ObjectStore } from '../../../src/lib/storage/object-store';

const unused = {} as ObjectStore;

function clientAnswering(status: number | undefined) {
  const sent: Array<Record<string, unknown>> = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      sent.push(command.input);
      if (status !== undefined) {
        throw new S3ServiceException({
          name: status === 412 ? 'PreconditionFailed' : 'ConditionalRequestConflict',
          $fault: 'client',
          $metadata: { httpStatusCode: status },
        });
      }
      return {};
    },
  } as unknown as S3Client;
  return { client, sent };
}

describe('s3Pointers', () => {
  it('creates a day pointer only if there is none (If-None-Match: *) and replaces it only at the version read (If-Match)', async () => {
    const { client, sent } = clientAnswering(undefined);
    const pointers = s3Pointers(client, unused);
    await pointers.replace('lake', 'p/symlink.txt', 'a\n', undefined);
    await pointers.replace('lake', 'p/symlink.txt', 'b\n', '"etag-1"');
    expect(sent.map((input) => [input.IfNoneMatch, input.IfMatch])).toEqual([
      ['*', undefined],
      [undefined, '"etag-1"'],
    ]);
  });

  it.each([412, 409])('reports S3 status %i as a lost race, PointerConflictError', async (status) => {
    const { client } = clientAnswering(status);
    await expect(
      s3Pointers(client, unused).replace('lake', 'p/symlink.txt', 'a\n', '"x"'),
    ).rejects.toBeInstanceOf(PointerConflictError);
  });

  it('passes any other failure on as it is', async () => {
    const { client } = clientAnswering(403);
    await expect(
      s3Pointers(client, unused).replace('lake', 'p/symlink.txt', 'a\n', undefined),
    ).rejects.toBeInstanceOf(S3ServiceException);
  });
});

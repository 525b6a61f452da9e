import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { PROJECT_ROOT } from '../../src/lib/util/project-paths';
import { captureIo } from '../support/cli';

/**
 * A deployed stage's region is its `region` param (or --region): the commands that reach a stage
 * sign their calls for it, with no AWS_REGION in the environment. A stand-in endpoint records the
 * region each call was signed for (the credential scope of its Authorization header).
 */
let server: Server;
let root: string;
const signedFor: string[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-stage-region-'));
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(request.headers.authorization));
      signedFor.push(scope?.[1] ?? 'unsigned');
      const target = String(request.headers['x-amz-target']);
      response.writeHead(target.startsWith('Firehose') ? 200 : 400, {
        'content-type': 'application/x-amz-json-1.1',
      });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      response.end(
        JSON.stringify(
          target.startsWith('Firehose')
            ? { FailedPutCount: 0, RequestResponses: body.Records.map(() => ({ RecordId: 'r' })) }
            : { __type: 'InvalidRequestException', Message: 'the stand-in stops here' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_CONFIG_FILE: join(PROJECT_ROOT, 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(PROJECT_ROOT, 'no-such-aws-credentials'),
    AWS_ENDPOINT_URL_ATHENA: endpoint,
    AWS_ENDPOINT_URL_FIREHOSE: endpoint,
    AWS_MAX_ATTEMPTS: '1',
  });
});
afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  signedFor.length = 0;
});

describe('commands that reach a deployed stage, without AWS_REGION', () => {
  it.each([
    [[], 'us-east-1'],
    [['--region', 'eu-west-1'], 'eu-west-1'],
  ])('check --stage dev %j asks Athena in %s', async (extra, region) => {
    const io = captureIo();
    await main(['check', '--stage', 'dev', '--date', '2026-11-20', ...extra], io);
    expect(io.err()).not.toContain('Region is missing');
    expect(signedFor[0]).toBe(region);
  });

  it('replay --to deployed puts records to the stage’s delivery stream in its region', async () => {
    const file = join(root, 'errors-clickstream');
    const record = {
      attemptsMade: 1,
      arrivalTimestamp: 1_763_600_000_000,
      errorCode: 'Lambda.FunctionError',
      errorMessage: 'failed',
      attemptEndingTimestamp: 1_763_600_000_000,
      rawData: Buffer.from('{"event_type":"view"}').toString('base64'),
      lambdaArn: 'arn:aws:lambda:us-east-1:111122223333:function:tributary-dev-firehoseTransform',
    };
    await writeFile(file, `${JSON.stringify(record)}\n`);
    const io = captureIo();
    const code = await main(
      ['replay', '--to', 'deployed', '--stage', 'dev', '--stream', 'clickstream', file],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(signedFor).toEqual(['us-east-1']);
  });
});

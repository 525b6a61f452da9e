import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { cfnLint, probeCfnLint } from '../support/cfn-lint';
import { createResolver, FAKE_STACK } from '../support/intrinsics';
import { describeWhenAvailable } from '../support/requirement';
import { type PackagedStage, PROJECT_ROOT, packageStage } from '../support/serverless';

/**
 * What `sls package` ships, checked as shipped: the templates of dev, prod and a stage with every
 * optional param set, linted by AWS's own linter; every function's zip, loaded in a fresh Node
 * process with the environment its template gives it; the AWS SDK resolved one way in every zip.
 */
const run = promisify(execFile);

const ACCOUNT = '111122223333';
/** Every optional param, with plausible values, in a stage of its own. */
const EVERY_OPTIONAL_PARAM = {
  alarmEmail: 'data-team@example.com',
  kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  hashKeySecretArn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:tributary-hash-key-AbCdEf`,
  hashKeySecretKmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/9876abcd-12ab-34cd-56ef-1234567890ab`,
  loaderSecretArn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:bi-database-AbCdEf`,
  loaderSecretKmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/4444abcd-12ab-34cd-56ef-1234567890ab`,
  loaderSubnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
  loaderSecurityGroupIds: ['sg-0a1b2c3d'],
  auroraClusterArn: `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:app`,
  auroraExportRoleArn: `arn:aws:iam::${ACCOUNT}:role/aurora-export`,
  auroraExportKmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/5555abcd-12ab-34cd-56ef-1234567890ab`,
  auroraExportOnly: ['app.orders'],
  dynamodbSources: {
    users: {
      tableArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/app-users`,
      streamArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/app-users/stream/2026-01-01T00:00:00.000`,
    },
  },
  privateRawReaderArns: [`arn:aws:iam::${ACCOUNT}:role/privacy-break-glass`],
  streamFailureDestination: 'sqs',
};

const stages: Record<string, PackagedStage> = {};
const STAGES = ['dev', 'prod', 'everything'] as const;

beforeAll(async () => {
  // packaged once per test run for every suite that asks (test/support/serverless.ts)
  stages.dev = await packageStage('dev');
  stages.prod = await packageStage('prod');
  stages.everything = await packageStage('everything', EVERY_OPTIONAL_PARAM);
}, 600_000);

const templatePath = (stage: string) =>
  join(stages[stage]!.directory, 'cloudformation-template-update-stack.json');

function lambdaFunctions(stage: string): Array<[string, any]> {
  return Object.entries(stages[stage]!.template.Resources).filter(
    ([, r]: [string, any]) => r.Type === 'AWS::Lambda::Function',
  ) as Array<[string, any]>;
}

/** The function's zip, unpacked; serverless names it after the function (`s3Flatten.zip`). */
async function unpack(stage: string, logicalId: string): Promise<string> {
  const zip = join(stages[stage]!.directory, zipName(logicalId));
  const directory = await mkdtemp(join(tmpdir(), 'tributary-function-'));
  await run('unzip', ['-q', zip, '-d', directory]);
  return directory;
}

const zipName = (logicalId: string) => {
  const name = logicalId.replace(/LambdaFunction$/, '');
  return `${name[0]!.toLowerCase()}${name.slice(1)}.zip`;
};

const cfnLintProbe = probeCfnLint();
describeWhenAvailable(
  'cfn-lint, AWS CloudFormation linter',
  { what: 'cfn-lint', missing: cfnLintProbe.reason },
  () => {
    // warnings count as findings too: every one cfn-lint has raised here pointed at a real fault
    it.each(STAGES)('finds nothing wrong in the packaged %s template', (stage) => {
      const findings = cfnLint(cfnLintProbe.command!, templatePath(stage), ['us-east-1', 'eu-west-1']).map(
        (m) => `${m.Level} ${m.Rule.Id} ${m.Location.Path.join('/')}: ${m.Message}`,
      );
      expect(findings).toEqual([]);
    });

    it('reports a planted mistake, so a clean result means something', async () => {
      const broken = structuredClone(stages.dev!.template);
      broken.Resources.LakeBucket.Properties.BucketNmae = 'typo';
      broken.Resources.RawBucketPolicy.Properties.Bucket = { Ref: 'NoSuchBucket' };
      // the package is shared by every suite, so the broken copy goes elsewhere
      const directory = await mkdtemp(join(tmpdir(), 'tributary-broken-template-'));
      const path = join(directory, 'broken-template.json');
      await writeFile(path, JSON.stringify(broken));
      const errors = cfnLint(cfnLintProbe.command!, path, ['us-east-1']).filter((m) => m.Level === 'Error');
      await rm(directory, { recursive: true, force: true });
      expect(errors.map((m) => m.Location.Path.slice(0, 3).join('/'))).toEqual(
        expect.arrayContaining(['Resources/LakeBucket/Properties', 'Resources/RawBucketPolicy/Properties']),
      );
      // cfn-lint takes over 30 s for a whole template on a busy 2-core machine
    }, 120_000);
  },
);

/** Fails the process on any network connection, and reports that one was tried. */
const NO_NETWORK = `
const net = require('node:net');
const tried = [];
const refuse = function (...args) {
  tried.push(JSON.stringify(args[0] && typeof args[0] === 'object' ? { host: args[0].host, port: args[0].port, path: args[0].path } : args.slice(0, 2)));
  throw new Error('network use at load: ' + tried.at(-1));
};
net.Socket.prototype.connect = refuse;
require('node:dns').lookup = refuse;
process.on('exit', () => { if (tried.length) process.stderr.write('NETWORK ' + tried.join(' ') + '\\n'); });
`;

const LOAD = `
const [file, name] = process.argv.slice(1);
const loaded = require(file);
if (typeof loaded[name] !== 'function') throw new Error(file + ' exports no function ' + name);
setTimeout(() => process.stdout.write('initialised'), 200);
`;

/** The variables Lambda itself sets for every function (reserved, not in the template). */
function lambdaReservedEnvironment(fn: any, logicalId: string, taskRoot: string, runtimeModules: string) {
  return {
    AWS_REGION: FAKE_STACK.region,
    AWS_DEFAULT_REGION: FAKE_STACK.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.Properties.Runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: `${FAKE_STACK.stackName}-${logicalId}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.Properties.MemorySize ?? 1024),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_ACCESS_KEY_ID: 'ASIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake',
    AWS_SESSION_TOKEN: 'fake',
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: fn.Properties.Handler,
    TZ: ':UTC',
    // the runtime's own modules: the AWS SDK v3 and nothing else
    NODE_PATH: runtimeModules,
  };
}

async function startFunction(stage: string, logicalId: string, fn: any, runtimeModules: string) {
  const directory = await unpack(stage, logicalId);
  try {
    const resolve = createResolver(stages[stage]!.template as any);
    const variables = resolve(fn.Properties.Environment?.Variables ?? {}) as Record<string, string>;
    // NODE_OPTIONS among the variables reaches node as it does in Lambda
    const environment: Record<string, string> = {
      ...variables,
      ...lambdaReservedEnvironment(fn, logicalId, directory, runtimeModules),
    };
    const handler = String(fn.Properties.Handler);
    const file = join(directory, `${handler.slice(0, handler.lastIndexOf('.'))}.js`);
    const name = handler.slice(handler.lastIndexOf('.') + 1);
    return await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, ['-e', `${NO_NETWORK}\n${LOAD}`, file, name], {
        cwd: directory,
        env: environment,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** A minified bundle's stack trace quotes whole lines of code: keep the message lines. */
const lastLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.length < 400)
    .slice(-12)
    .join('\n');

describe("the quiet-stream alarms of pipeline.yml's expect", () => {
  it('are in prod, which turns them on, and not in dev, which has no steady traffic', () => {
    const quiet = (stage: string) =>
      Object.keys(stages[stage]!.template.Resources).filter((id) => id.endsWith('QuietAlarm'));
    expect(quiet('prod')).toEqual(['DeliveryStreamClickstreamQuietAlarm']);
    expect(quiet('dev')).toEqual([]);
  });
});

describe('every packaged function', () => {
  let runtime: string;
  beforeAll(async () => {
    // a stand-in for the runtime's /var/runtime/node_modules: the AWS SDK v3, nothing else
    runtime = await mkdtemp(join(tmpdir(), 'tributary-runtime-'));
    await mkdir(join(runtime, 'node_modules'));
    await symlink(join(PROJECT_ROOT, 'node_modules', '@aws-sdk'), join(runtime, 'node_modules', '@aws-sdk'));
  });
  afterAll(async () => {
    await rm(runtime, { recursive: true, force: true });
  });

  const FUNCTIONS = [
    'FirehoseTransformLambdaFunction',
    'DynamodbStreamLambdaFunction',
    'S3FlattenLambdaFunction',
    'PlanRunLambdaFunction',
    'PublishTransformLambdaFunction',
    'LoaderLambdaFunction',
    'RewriteLakeLambdaFunction',
  ];

  it.each(['dev', 'prod', 'everything'])('of %s is one of those checked here', (stage) => {
    expect(
      lambdaFunctions(stage)
        .map(([id]) => id)
        .sort(),
    ).toEqual([...FUNCTIONS].sort());
  });

  const starts = async (stage: string, logicalId: string) => {
    const fn = stages[stage]!.template.Resources[logicalId];
    const result = await startFunction(stage, logicalId, fn, join(runtime, 'node_modules'));
    if (result.code !== 0) console.error(`${stage} ${logicalId}:\n${lastLines(result.stderr)}`);
    // stderr may carry the SDK's notice about this machine's Node version, nothing else matters
    const network = result.stderr.split('\n').filter((line) => line.startsWith('NETWORK'));
    expect({ exit: result.code, stdout: result.stdout, network }).toEqual({
      exit: 0,
      stdout: 'initialised',
      network: [],
    });
  };
  const cases = ['dev', 'prod', 'everything'].flatMap((stage) => FUNCTIONS.map((fn) => [stage, fn]));
  it.each(cases)(
    'starts in %s: %s, with the environment its template gives it, calling no AWS service',
    starts,
    30_000,
  );
});

describe('the AWS SDK in the packaged zips', () => {
  const sdkPackage = (path: string) => /(?:^|node_modules\/)(@aws-sdk\/[^/]+)/.exec(path)?.[1];

  /**
   * custom.esbuild keys that are serverless-esbuild's own (its bundle.ts); it hands every other key
   * to esbuild unchanged, so `keepNames`, `define` or anything added later reaches the rebuild too.
   */
  const SERVERLESS_ESBUILD_OWN_OPTIONS = [
    'concurrency',
    'zipConcurrency',
    'exclude',
    'nativeZip',
    'packager',
    'packagePath',
    'watch',
    'keepOutputDirectory',
    'packagerOptions',
    'installExtraArgs',
    'outputFileExtension',
    'outputBuildFolder',
    'outputWorkFolder',
    'nodeExternals',
    'skipBuild',
    'skipRebuild',
    'skipBuildExcludeFns',
    'stripEntryResolveExtensions',
    'disposeContext',
    'plugins',
  ];

  /**
   * Rebuilds a handler as serverless-esbuild did for `sls package` (the custom.esbuild options from
   * serverless-state.json, `exclude` made external, the plugins module loaded), for esbuild's
   * account of which SDK packages went into the bundle and which stayed external.
   */
  async function rebuild(stage: string, handler: string) {
    const state = JSON.parse(await readFile(join(stages[stage]!.directory, 'serverless-state.json'), 'utf8'));
    const options: Record<string, any> = state.service.custom.esbuild;
    const esbuildOptions = Object.fromEntries(
      Object.entries(options).filter(([key]) => !SERVERLESS_ESBUILD_OWN_OPTIONS.includes(key)),
    );
    const exclude: string[] = options.exclude ?? [];
    const result = await build({
      ...esbuildOptions,
      entryPoints: [`${handler.slice(0, handler.lastIndexOf('.'))}.ts`],
      external: [...(options.external ?? []), ...(exclude.includes('*') ? [] : exclude)],
      plugins: require(join(PROJECT_ROOT, options.plugins)),
      absWorkingDir: PROJECT_ROOT,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const output = Object.values(result.metafile!.outputs)[0]!;
    const bundled = new Set(
      Object.keys(output.inputs)
        .map(sdkPackage)
        .filter((p) => p !== undefined),
    );
    const external = new Set(
      output.imports
        .filter((i) => i.external)
        .map((i) => sdkPackage(i.path))
        .filter((p) => p !== undefined),
    );
    return { bundled, external, text: result.outputFiles![0]!.text };
  }

  const requiredSdk = (bundle: string) =>
    new Set([...bundle.matchAll(/(?:require|import)\("(@aws-sdk\/[^"/]+)[^"]*"\)/g)].map((m) => m[1]!));

  it.each(['dev', 'prod'])(
    'is resolved one way in every %s function: all from the runtime, none bundled',
    async (stage) => {
      for (const [logicalId, fn] of lambdaFunctions(stage)) {
        const directory = await unpack(stage, logicalId);
        try {
          const handler = String(fn.Properties.Handler);
          const shipped = await readFile(
            join(directory, `${handler.slice(0, handler.lastIndexOf('.'))}.js`),
            'utf8',
          );
          const { bundled, external, text } = await rebuild(stage, handler);
          // the rebuild is the shipped bundle, so esbuild's account of it holds for the zip
          expect(text).toBe(shipped);
          expect([...requiredSdk(shipped)].sort()).toEqual([...external].sort());
          // a bundled SDK library would run against the runtime's copy of its peer client
          expect({ logicalId, bundled: [...bundled] }).toEqual({ logicalId, bundled: [] });
          const files = await readdir(directory, { recursive: true });
          expect(files.filter((f) => String(f).includes('@aws-sdk'))).toEqual([]);
        } finally {
          await rm(directory, { recursive: true, force: true });
        }
      }
    },
    60_000,
  );

  it('keeps the firehoseTransform zip within 50 KB (s3Flatten reported beside it)', async () => {
    const size = async (name: string) => (await stat(join(stages.dev!.directory, name))).size;
    const firehose = await size('firehoseTransform.zip');
    const flatten = await size('s3Flatten.zip');
    console.info(
      `zipped: firehoseTransform ${(firehose / 1024).toFixed(1)} KB, s3Flatten ${(flatten / 1024).toFixed(1)} KB`,
    );
    expect(firehose).toBeLessThanOrEqual(50 * 1024);
  });
});

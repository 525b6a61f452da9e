import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flatten } from 'flat';
import { flattenerForStream } from '../../src/lib/firehose/stream-resolver';
import { transformRecords } from '../../src/lib/firehose/transform-batch';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { clickstreamEventJson } from '../../src/lib/samples/clickstream';
import { compare, median, megabytesPerSecond, printResults } from '../harness';

const RECORDS = 20_000;
const PROJECT_ROOT = join(__dirname, '..', '..');

/** Flattening throughput against the JSON round trip and the `flat` package, on the same events. */
function throughput() {
  const stream = bundledPipeline().streams.find((s) => s.name === 'clickstream')!;
  const flattener = flattenerForStream(stream, undefined);
  const records = Array.from({ length: RECORDS }, (_, i) => ({
    recordId: String(i).padStart(56, '4'),
    approximateArrivalTimestamp: 1_795_165_200_000 + i,
    data: Buffer.from(clickstreamEventJson(i)).toString('base64'),
  }));
  const inputBytes = records.reduce((sum, r) => sum + Buffer.byteLength(r.data, 'base64'), 0);
  let sink = 0;
  const results = compare([
    {
      name: 'handler record path',
      run: () => {
        sink += transformRecords(records, flattener, { lakeStartDate: '2024-01-01' }).results.length;
      },
    },
    {
      name: 'floor: base64 + JSON.parse + JSON.stringify + base64',
      run: () => {
        for (const r of records) {
          sink += Buffer.from(
            JSON.stringify(JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'))),
          ).toString('base64').length;
        }
      },
    },
    {
      name: 'flat package: base64 + JSON.parse + flatten + JSON.stringify + base64',
      run: () => {
        for (const r of records) {
          const flat = flatten(JSON.parse(Buffer.from(r.data, 'base64').toString('utf8')), {
            delimiter: '__',
          });
          sink += Buffer.from(JSON.stringify(flat)).toString('base64').length;
        }
      },
    },
  ]);
  if (sink === 0) throw new Error('nothing was measured');
  const [handler, floor, flat] = results.map((r) => megabytesPerSecond(inputBytes, r.seconds)) as [
    number,
    number,
    number,
  ];
  return { handler, floor, flat, averageBytes: inputBytes / RECORDS };
}

/** Size of the deployable zip, built by `sls package` exactly as a deploy would. */
function bundleSize(): { zipBytes: number; bundleDirectory: string; packageDirectory: string } {
  const packageDirectory = mkdtempSync(join(tmpdir(), 'tributary-bench-package-'));
  execFileSync(
    join(PROJECT_ROOT, 'node_modules/.bin/sls'),
    ['package', '--stage', 'dev', '--package', packageDirectory],
    {
      cwd: PROJECT_ROOT,
      stdio: 'ignore',
    },
  );
  const zipBytes = statSync(join(packageDirectory, 'firehoseTransform.zip')).size;
  const bundleDirectory = mkdtempSync(join(tmpdir(), 'tributary-bench-bundle-'));
  execFileSync('unzip', ['-q', join(packageDirectory, 'firehoseTransform.zip'), '-d', bundleDirectory]);
  return { zipBytes, bundleDirectory, packageDirectory };
}

/** Module init: a fresh Node process requiring the bundled handler, as a Lambda cold start does. */
function initMilliseconds(bundleDirectory: string): { handler: number; empty: number } {
  const script = (path: string) =>
    `const t=process.hrtime.bigint();require(${JSON.stringify(path)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const env = {
    ...process.env,
    TRIBUTARY_STREAM_PREFIX: 'tributary-dev-',
    TRIBUTARY_LAKE_START_DATE: '2024-01-01',
    NODE_PATH: join(PROJECT_ROOT, 'node_modules'),
  };
  const empty = join(bundleDirectory, 'empty.js');
  execFileSync('sh', ['-c', `echo 'exports.handler = async () => ({})' > ${empty}`]);
  const sample = (path: string) =>
    median(
      Array.from({ length: 7 }, () =>
        Number(execFileSync(process.execPath, ['-e', script(path)], { env }).toString()),
      ),
    );
  return {
    handler: sample(join(bundleDirectory, 'src/handlers/firehose-transform.js')),
    empty: sample(empty),
  };
}

export function run(): void {
  const t = throughput();
  const bundle = bundleSize();
  const init = initMilliseconds(bundle.bundleDirectory);
  rmSync(bundle.bundleDirectory, { recursive: true, force: true });
  rmSync(bundle.packageDirectory, { recursive: true, force: true });
  printResults(
    `Firehose transform (${RECORDS} generated events, ${Math.round(t.averageBytes)} bytes each, 8 levels deep)`,
    [
      {
        metric: 'handler record path (decode, flatten, encode)',
        value: `${t.handler.toFixed(1)} MB/s`,
        baseline: `${t.floor.toFixed(1)} MB/s floor`,
        ratio: `${(t.handler / t.floor).toFixed(2)}x`,
        target: '>= 1.0x floor',
        met: t.handler / t.floor >= 1,
      },
      {
        metric: 'handler vs flat package',
        value: `${t.handler.toFixed(1)} MB/s`,
        baseline: `${t.flat.toFixed(1)} MB/s flat`,
        ratio: `${(t.handler / t.flat).toFixed(2)}x`,
        target: '>= 1.8x flat',
        met: t.handler / t.flat >= 1.8,
      },
      {
        metric: 'firehoseTransform zip',
        value: `${(bundle.zipBytes / 1024).toFixed(1)} KB`,
        target: '<= 50 KB',
        met: bundle.zipBytes <= 50 * 1024,
      },
      {
        metric: 'module init (cold require)',
        value: `${init.handler.toFixed(1)} ms`,
        baseline: `${init.empty.toFixed(1)} ms empty module`,
      },
    ],
  );
}

/**
 * Flattens one raw object in a fresh process and reports the time and the peak resident memory,
 * for the end-to-end benchmark: `node --max-old-space-size=384 ... <root> <key>`.
 */
import { flattenRawObject } from '../src/lib/dynamodb/flatten-raw-object';
import { bundledPipeline } from '../src/lib/pipeline/bundled';
import { LocalObjectStore } from '../src/lib/standins/s3/local-object-store';

async function main(): Promise<void> {
  const [root, bucket, key] = process.argv.slice(2) as [string, string, string];
  const started = process.hrtime.bigint();
  const outcome = await flattenRawObject(bucket, key, {
    store: new LocalObjectStore(root),
    lakeBucket: 'tributary-bench-lake',
    pipeline: bundledPipeline(),
    hashKey: async () => 'bench-key',
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    JSON.stringify({ outcome, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 }, (_k, v) =>
      v instanceof Map ? Object.fromEntries(v) : v,
    ),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

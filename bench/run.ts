/**
 * `npm run bench [suite...]`: each suite measures against its baseline in the same run and prints
 * a table. Long benchmarks live here, never in the test command.
 */
import { cpus, totalmem } from 'node:os';
import * as compaction from './suites/compaction';
import * as dynamodbFlatten from './suites/dynamodb-flatten';
import * as firehoseTransform from './suites/firehose-transform';
import * as loader from './suites/loader';
import * as localPipeline from './suites/local-pipeline';

const SUITES: Record<string, { run: () => void | Promise<void> }> = {
  'firehose-transform': firehoseTransform,
  'dynamodb-flatten': dynamodbFlatten,
  loader,
  'local-pipeline': localPipeline,
  compaction,
};

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !Object.hasOwn(SUITES, name));
  if (unknown.length > 0)
    throw new Error(`Unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}`);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `# Tributary benchmarks\n\n${cpus().length} x ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  for (const name of requested.length > 0 ? requested : Object.keys(SUITES)) await SUITES[name]!.run();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

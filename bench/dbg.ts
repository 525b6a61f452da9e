import { flattenRawObject } from '../src/lib/dynamodb/flatten-raw-object';
import { bundledPipeline } from '../src/lib/pipeline/bundled';
import { LocalObjectStore } from '../src/lib/storage/local-object-store';

process.on('uncaughtException', (e) => {
  console.log('UNCAUGHT', e.stack);
});
process.on('unhandledRejection', (e) => {
  console.log('UNHANDLED', (e as Error).stack);
});
(async () => {
  const store = new LocalObjectStore('/tmp/dbgstore');
  await store.put(
    'raw-bucket',
    'raw/dynamodb/users/dt=2026-11-20/corrupt-1-2.ndjson.gz',
    Buffer.from('not gzip at all'),
  );
  try {
    await flattenRawObject('raw-bucket', 'raw/dynamodb/users/dt=2026-11-20/corrupt-1-2.ndjson.gz', {
      store,
      lakeBucket: 'lake-bucket',
      pipeline: bundledPipeline(),
      hashKey: async () => 'k',
    });
  } catch (e) {
    console.log('CAUGHT', (e as Error).message);
  }
  await new Promise((r) => setTimeout(r, 200));
})();

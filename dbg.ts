import { localEnvironment, resetLocalRoot } from './src/lib/local/local-environment';
import { loadLocalHandlers } from './src/lib/local/local-handlers';
import { bundledPipeline } from './src/lib/pipeline/bundled';
import { simulate } from './src/lib/simulation/simulate';

(async () => {
  const pipeline = bundledPipeline();
  const environment = localEnvironment('/tmp/simdbg', pipeline.database);
  const handlers = await loadLocalHandlers(environment, pipeline);
  await resetLocalRoot(environment);
  const r = await simulate({
    seed: Number(process.argv[2] ?? 1),
    days: Number(process.argv[3] ?? 2),
    environment,
    pipeline,
    handlers,
    onExecution: (e) => console.log(e),
  });
  for (const v of r.violations) console.log(v.invariant, '|', v.detail);
})();

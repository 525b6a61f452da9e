import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_ROOT, localEnvironment, openLocalAthena } from '../../lib/local/local-environment';
import { loadLocalHandlers } from '../../lib/local/local-handlers';
import { requireLocalLake } from '../../lib/local/local-root';
import type { PipelineRunPlan, PlannedTransform } from '../../lib/orchestration/run-plan';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { QUERY_EXECUTION_ID } from '../../lib/standins/athena/athena-rules';
import { type CommandIo, UsageError, writeLine } from '../io';

export const ATHENA_HELP = `Usage: tributary athena [--root DIR] <planRun event file> --transform NAME
       tributary athena [--root DIR] <planRun event file> --load NAME [--query-execution-id ID]

Runs, on the local Athena (DuckDB over the local lake), the Athena steps the daily state machine
runs between its Lambda functions, for people invoking the functions one by one with
\`sls invoke local\`. It calls planRun (the real handler, with the local stage's settings) with the
event, as the state machine's Plan run step does, then:

  --transform NAME   plans that transform as the Plan transform step does, runs its CTAS (and
                     INSERT INTO) statements, and prints the publishTransform event for its output
  --load NAME        runs that load's query and prints the loader event naming its execution id
  --query-execution-id ID
                     the id the load query gets (a UUID). Athena chooses its own ids; locally a fixed
                     one lets a saved loader event name the query
  --root DIR         local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT})
  --help             show this help

Example: tributary athena events/stepfunctions/plan-run.json --transform users_current`;

function only<T>(items: readonly T[], name: string, what: string, names: readonly string[]): T {
  const found = items[0];
  if (!found)
    throw new UsageError(`the run plans no ${what} ${name}; it plans: ${names.join(', ') || 'none'}`);
  return found;
}

export async function athenaCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      transform: { type: 'string' },
      load: { type: 'string' },
      'query-execution-id': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, ATHENA_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one planRun event file');
  if ((values.transform === undefined) === (values.load === undefined)) {
    throw new UsageError('give --transform NAME or --load NAME');
  }
  const executionId = values['query-execution-id'];
  if (executionId !== undefined && values.load === undefined) {
    throw new UsageError('--query-execution-id names a load query: give it with --load');
  }
  if (executionId !== undefined && !QUERY_EXECUTION_ID.test(executionId)) {
    throw new UsageError(`--query-execution-id must be a lowercase UUID, not ${executionId}`);
  }
  const event: unknown = JSON.parse(await readFile(positionals[0]!, 'utf8'));
  const pipeline = bundledPipeline();
  const environment = localEnvironment(values.root, pipeline.database);
  requireLocalLake(environment);
  const handlers = await loadLocalHandlers(environment, pipeline);
  const plan = (await handlers.planRun(event)) as PipelineRunPlan;
  const athena = await openLocalAthena(environment, pipeline);
  try {
    if (values.transform !== undefined) {
      const name = values.transform;
      only(
        plan.transformLevels.flat().filter((t) => t === name),
        name,
        'transform',
        plan.transformLevels.flat(),
      );
      const planned = (await handlers.planRun({
        transform: name,
        runId: plan.runId,
        from: plan.from,
        to: plan.to,
      })) as PlannedTransform;
      for (const query of planned.queries) await athena.execute(query.QueryString, query.WorkGroup);
      writeLine(io.stdout, JSON.stringify({ action: 'publish', run: planned.run }, null, 2));
      return 0;
    }
    const name = values.load!;
    if (!plan.loading.enabled) throw new Error(`the run skips its loads: ${plan.loading.reason}`);
    const load = only(
      plan.loads.filter((l) => l.load === name),
      name,
      'load',
      plan.loads.map((l) => l.load),
    );
    const execution = await athena.execute(load.query.QueryString, load.query.WorkGroup, executionId);
    const loaderEvent = {
      load: load.load,
      table: load.table,
      mode: load.mode,
      keys: load.keys,
      allowEmpty: load.allowEmpty,
      queryExecutionId: execution.queryExecutionId,
    };
    writeLine(io.stdout, JSON.stringify(loaderEvent, null, 2));
    return 0;
  } finally {
    athena.close();
  }
}

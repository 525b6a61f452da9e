import type { Context } from 'aws-lambda';

export const lambdaContext = { functionName: 'tributary-test', awsRequestId: 'test-request' } as Context;

/**
 * Loads a handler module afresh with the given environment, as a cold start would: handlers read
 * their configuration when loaded.
 */
export async function loadHandler<Event, Result>(
  load: () => Promise<{ handler: (event: Event, context: Context) => Promise<Result> }>,
  env: Record<string, string | undefined>,
): Promise<(event: Event) => Promise<Result>> {
  for (const [name, value] of Object.entries({
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...env,
  })) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  let module!: { handler: (event: Event, context: Context) => Promise<Result> };
  await jest.isolateModulesAsync(async () => {
    module = await load();
  });
  return (event) => module.handler(event, lambdaContext);
}

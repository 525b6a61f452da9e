import { preflightFindings } from '../lib/deploy/preflight';
import type { Pipeline } from '../lib/pipeline/pipeline';
import type { StackSettings } from './settings';

/**
 * What `sls package` and `sls deploy` print about a stage's params before building it: the
 * preflight's warnings and errors (`tributary doctor` says the rest, and checks captured tables in
 * DynamoDB). Nothing for a stage whose params are all in order.
 */
export function packagingWarnings(
  pipeline: Pipeline,
  settings: StackSettings,
  stage: { readonly region: string; readonly scheduleEnabled: boolean },
): string[] {
  const findings = preflightFindings({ pipeline, settings, ...stage }).filter(
    (f) => f.level === 'warning' || f.level === 'error',
  );
  if (findings.length === 0) return [];
  return [
    `Tributary preflight of stage ${settings.stage} (region ${stage.region}):`,
    ...findings.map((f) => `  ${f.level === 'error' ? 'error' : 'warning'}: ${f.topic}: ${f.message}`),
    `  (tributary doctor --stage ${settings.stage} checks these and the captured tables, with the permissions deploying needs)`,
  ];
}

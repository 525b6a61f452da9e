import { readConfig } from '../config/reader';
import type { SnapshotCheckRequest } from '../dynamodb/snapshot-progress';
import type { DynamoExport, PipelineRunPlan } from './run-plan';
import type { SnapshotOutcome } from './snapshot-gate';

/** What the DynamoDB export branch's Lambda steps send, told apart by `kind`. */
export type ExportStepEvent =
  | ({ readonly kind: 'checkSnapshot' } & SnapshotCheckRequest)
  | { readonly kind: 'fitExport'; readonly export: DynamoExport; readonly recovery: unknown }
  | {
      readonly kind: 'holdBack';
      readonly plan: PipelineRunPlan;
      readonly snapshots: readonly SnapshotOutcome[];
    };

export const EXPORT_STEP_KINDS = ['fitExport', 'checkSnapshot', 'holdBack'] as const;

export function isExportStepEvent(event: unknown): boolean {
  const kind = (event as { kind?: unknown } | null)?.kind;
  return (EXPORT_STEP_KINDS as readonly unknown[]).includes(kind);
}

export function readExportStepEvent(event: unknown, knownTables: readonly string[]): ExportStepEvent {
  return readConfig('export step', event, (root) => {
    const kind = root.field('kind').oneOf(EXPORT_STEP_KINDS, 'checkSnapshot');
    if (kind === 'checkSnapshot') {
      root.object(['kind', 'table', 'exportArn', 'S3Bucket', 'S3Prefix', 'attempts']);
      const table = root.field('table').string();
      if (table && !knownTables.includes(table))
        root.field('table').problem(`${table} is not a DynamoDB table of the pipeline`);
      return {
        kind,
        table,
        exportArn: root
          .field('exportArn')
          .string({ pattern: /\/export\/[^/]+$/, patternHint: 'an export ARN' }),
        S3Bucket: root.field('S3Bucket').string(),
        S3Prefix: root.field('S3Prefix').string(),
        attempts: root.field('attempts').integer(0, 10_000, 0),
      };
    }
    if (kind === 'fitExport') {
      root.object(['kind', 'table', 'day', 'request', 'recovery']);
      const table = root.field('table').string();
      if (table && !knownTables.includes(table))
        root.field('table').problem(`${table} is not a DynamoDB table of the pipeline`);
      const day = root
        .field('day')
        .string({ pattern: /^\d{4}-\d{2}-\d{2}$/, patternHint: 'a day, YYYY-MM-DD' });
      const request = root.field('request');
      request.object(['TableArn', 'S3Bucket', 'S3Prefix', 'ExportFormat', 'ExportTime', 'ClientToken']);
      return {
        kind,
        export: {
          table,
          day,
          request: {
            TableArn: request.field('TableArn').string(),
            S3Bucket: request.field('S3Bucket').string(),
            S3Prefix: request.field('S3Prefix').string(),
            ExportFormat: 'DYNAMODB_JSON',
            ExportTime: request.field('ExportTime').string(),
            ClientToken: request.field('ClientToken').string(),
          },
        },
        recovery: root.field('recovery').value,
      };
    }
    root.object(['kind', 'plan', 'snapshots']);
    const plan = root.field('plan').value;
    if (
      plan === null ||
      typeof plan !== 'object' ||
      !Array.isArray((plan as PipelineRunPlan).transformLevels)
    )
      root.field('plan').problem('expected the run plan');
    const snapshots = root.field('snapshots').value;
    if (!Array.isArray(snapshots)) root.field('snapshots').problem('expected a list');
    return {
      kind,
      plan: plan as PipelineRunPlan,
      snapshots: (Array.isArray(snapshots) ? snapshots : []) as SnapshotOutcome[],
    };
  });
}

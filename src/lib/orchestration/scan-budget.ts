import { readConfig } from '../config/reader';
import {
  type AthenaScanPrice,
  billedScanBytes,
  describeScanPrice,
  formatBytes,
  formatDollars,
  scanDollars,
} from '../cost/athena-price';
import type { ObjectStore } from '../storage/object-store';

/**
 * What a run's Athena queries scanned, and the stage's per-run budget. Each query's task hands its
 * `Statistics.DataScannedInBytes` to a step that records it in the lake bucket, one object per
 * query named by what it holds (so a single listing totals the run, however many queries run at
 * once), and fails with ScanBudgetExceededError once the run's billed bytes reach the budget: the
 * query that spent it has run, no later query starts.
 */

export const SCAN_STEPS = ['transform', 'check', 'load'] as const;
export type ScanStep = (typeof SCAN_STEPS)[number];

/** Where a run's scan records live in the lake bucket: `_runs/<execution>/scans/`. */
export function runScansPrefix(execution: string): string {
  return `_runs/${execution}/scans/`;
}

export interface QueryScan {
  readonly step: ScanStep;
  /** The transform, check or load the query ran for. */
  readonly subject: string;
  readonly queryExecutionId: string;
  /** Athena's `Statistics.DataScannedInBytes`. */
  readonly scannedBytes: number;
  /** What Athena bills for it: whole MB rounded up, at least 10 MB. */
  readonly billedBytes: number;
  readonly dollars: number;
}

export interface RecordScanEvent {
  readonly kind: 'recordScan';
  readonly execution: string;
  readonly step: ScanStep;
  readonly subject: string;
  readonly queryExecutionId: string;
  readonly scannedBytes: number;
}

export interface SummariseScansEvent {
  readonly kind: 'summariseScans';
  readonly execution: string;
}

export type ScanEvent = RecordScanEvent | SummariseScansEvent;

/** One transform, check or load: its queries' bytes and dollars together. */
export interface SubjectScans {
  readonly name: string;
  readonly queries: number;
  readonly scannedBytes: number;
  readonly billedBytes: number;
  readonly dollars: number;
}

/** The run's scans, as the execution output's `scanned` holds them. */
export interface RunScans {
  readonly queries: number;
  readonly scannedBytes: number;
  readonly billedBytes: number;
  readonly dollars: number;
  /** The stage's per-run budget in billed bytes; null when it has none. */
  readonly budgetBytes: number | null;
  /** The Athena price the dollars are at: the stage's region's, or which region's a local run shows. */
  readonly price: AthenaScanPrice;
  readonly transforms: readonly SubjectScans[];
  readonly checks: readonly SubjectScans[];
  readonly loads: readonly SubjectScans[];
}

/** The run has billed its budget: the step after the query that spent it fails with this. */
export class ScanBudgetExceededError extends Error {
  override readonly name = 'ScanBudgetExceededError';
  constructor(
    readonly budgetBytes: number,
    readonly scans: RunScans,
  ) {
    const spent = [...scans.transforms, ...scans.checks, ...scans.loads]
      .map((s) => ({ ...s, step: stepOf(scans, s) }))
      .sort((a, b) => b.billedBytes - a.billedBytes)
      .map(
        (s) =>
          `${s.step} ${s.name} ${formatBytes(s.billedBytes)} (${s.queries} ${s.queries === 1 ? 'query' : 'queries'})`,
      );
    super(
      `The run's Athena queries billed ${formatBytes(scans.billedBytes)} (${formatDollars(scans.dollars)}), ` +
        `reaching its scan budget of ${formatBytes(budgetBytes)}; no further query is started. ` +
        `Spent by: ${spent.join(', ')}`,
    );
  }
}

function stepOf(scans: RunScans, subject: SubjectScans): ScanStep {
  if (scans.transforms.includes(subject)) return 'transform';
  return scans.checks.includes(subject) ? 'check' : 'load';
}

const NAME = /^[a-z][a-z0-9_]*$/;
const KEY = /^(transform|check|load)\/([a-z][a-z0-9_]*)\/([^/]+)\.(\d+)\.json$/;

/** One query's scan with what Athena bills for it. */
export function queryScan(
  step: ScanStep,
  subject: string,
  queryExecutionId: string,
  scannedBytes: number,
  price: AthenaScanPrice,
): QueryScan {
  const billedBytes = billedScanBytes(scannedBytes);
  return {
    step,
    subject,
    queryExecutionId,
    scannedBytes,
    billedBytes,
    dollars: scanDollars(billedBytes, price),
  };
}

/** The key names everything the record holds, so listing the prefix reads the whole run. */
function scanKey(scan: RecordScanEvent): string {
  return `${runScansPrefix(scan.execution)}${scan.step}/${scan.subject}/${encodeURIComponent(scan.queryExecutionId)}.${scan.scannedBytes}.json`;
}

/** Every query of the run recorded so far. */
export async function readRunScans(
  store: ObjectStore,
  bucket: string,
  execution: string,
  price: AthenaScanPrice,
): Promise<QueryScan[]> {
  const prefix = runScansPrefix(execution);
  const scans: QueryScan[] = [];
  for await (const object of store.list(bucket, prefix)) {
    const match = KEY.exec(object.key.slice(prefix.length));
    if (match)
      scans.push(
        queryScan(match[1] as ScanStep, match[2]!, decodeURIComponent(match[3]!), Number(match[4]), price),
      );
  }
  return scans;
}

/** The run's scans per transform, check and load, and in total. */
export function summariseScans(
  scans: readonly QueryScan[],
  budgetBytes: number | undefined,
  price: AthenaScanPrice,
): RunScans {
  const per = (step: ScanStep): SubjectScans[] => {
    const bySubject = new Map<string, SubjectScans>();
    for (const scan of scans.filter((s) => s.step === step)) {
      const seen = bySubject.get(scan.subject);
      bySubject.set(scan.subject, {
        name: scan.subject,
        queries: (seen?.queries ?? 0) + 1,
        scannedBytes: (seen?.scannedBytes ?? 0) + scan.scannedBytes,
        billedBytes: (seen?.billedBytes ?? 0) + scan.billedBytes,
        dollars: (seen?.dollars ?? 0) + scan.dollars,
      });
    }
    return [...bySubject.values()].sort((a, b) => a.name.localeCompare(b.name));
  };
  const sum = (key: 'scannedBytes' | 'billedBytes' | 'dollars') => scans.reduce((n, s) => n + s[key], 0);
  return {
    queries: scans.length,
    scannedBytes: sum('scannedBytes'),
    billedBytes: sum('billedBytes'),
    dollars: sum('dollars'),
    budgetBytes: budgetBytes ?? null,
    price,
    transforms: per('transform'),
    checks: per('check'),
    loads: per('load'),
  };
}

/**
 * Records one query's scan and checks the run against its budget: once the run's billed bytes
 * reach it, fails with ScanBudgetExceededError naming the transforms, checks and loads that spent
 * them, so the state machine starts no further query and alerts.
 */
export async function recordScan(
  store: ObjectStore,
  bucket: string,
  scan: RecordScanEvent,
  budgetBytes: number | undefined,
  price: AthenaScanPrice,
): Promise<QueryScan> {
  await store.put(bucket, scanKey(scan), JSON.stringify(scan), { contentType: 'application/json' });
  const recorded = queryScan(scan.step, scan.subject, scan.queryExecutionId, scan.scannedBytes, price);
  if (budgetBytes === undefined) return recorded;
  const run = summariseScans(await readRunScans(store, bucket, scan.execution, price), budgetBytes, price);
  if (run.billedBytes >= budgetBytes) throw new ScanBudgetExceededError(budgetBytes, run);
  return recorded;
}

export function isScanEvent(event: unknown): event is { kind: ScanEvent['kind'] } {
  const kind = (event as { kind?: unknown } | null)?.kind;
  return kind === 'recordScan' || kind === 'summariseScans';
}

/** A scan step's event, checked: names the pipeline has, a query id, a byte count. */
export function readScanEvent(
  event: unknown,
  names: Readonly<Record<ScanStep, readonly string[]>>,
): ScanEvent {
  return readConfig('scan step', event, (root) => {
    const kind = root.field('kind').oneOf(['recordScan', 'summariseScans'] as const, 'recordScan');
    const execution = root
      .field('execution')
      .string({ pattern: /^[^/\s]{1,80}$/, patternHint: 'an execution name' });
    if (kind === 'summariseScans') {
      root.object(['kind', 'execution']);
      return { kind, execution };
    }
    root.object(['kind', 'execution', 'step', 'subject', 'queryExecutionId', 'scannedBytes']);
    const step = root.field('step').oneOf(SCAN_STEPS, 'transform');
    const subject = root.field('subject').string({ pattern: NAME, patternHint: 'a pipeline name' });
    if (subject && !names[step].includes(subject))
      root.field('subject').problem(`${subject} is not a ${step} of the pipeline`);
    const bytes = root.field('scannedBytes');
    if (typeof bytes.value !== 'number' || !Number.isSafeInteger(bytes.value) || bytes.value < 0)
      bytes.problem('expected a byte count (Statistics.DataScannedInBytes)');
    return {
      kind,
      execution,
      step,
      subject,
      queryExecutionId: root
        .field('queryExecutionId')
        .string({ pattern: /^.{1,1024}$/, patternHint: 'a query execution id' }),
      scannedBytes: typeof bytes.value === 'number' ? bytes.value : 0,
    };
  });
}

/** One line per transform, check and load that ran a query, then the run's total: for the summary and the report. */
export function scanTableRows(scans: RunScans): string[][] {
  const line = (step: string, s: Omit<SubjectScans, 'name'> & { name: string }) => [
    step,
    s.name,
    String(s.queries),
    formatBytes(s.scannedBytes),
    formatBytes(s.billedBytes),
    formatDollars(s.dollars),
  ];
  return [
    ...scans.transforms.map((s) => line('transform', s)),
    ...scans.checks.map((s) => line('check', s)),
    ...scans.loads.map((s) => line('load', s)),
    line('total', { ...scans, name: '' }),
  ];
}

export const SCAN_TABLE_HEADER = ['step', 'name', 'queries', 'scanned', 'billed', 'dollars'] as const;

/** The run's total against its budget, in words. */
export function scanBudgetLine(scans: RunScans): string {
  const total = `${counted(scans.queries, 'Athena query', 'Athena queries')} billed ${formatBytes(scans.billedBytes)} (${formatDollars(scans.dollars)} at ${describeScanPrice(scans.price)})`;
  if (scans.budgetBytes === null) return `${total}; no scan budget (runScanBudgetBytes)`;
  return `${total} of a ${formatBytes(scans.budgetBytes)} budget per run`;
}

function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

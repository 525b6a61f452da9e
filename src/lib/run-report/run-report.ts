import { join } from 'node:path';
import { formatDollars } from '../cost/athena-price';
import type { LocalRunSummary } from '../local/local-pipeline';
import { failureReasons, quarantinedOf, quarantineReasons, sourceWarnings } from '../local/source-warnings';
import { SCAN_TABLE_HEADER, scanBudgetLine, scanTableRows } from '../orchestration/scan-budget';
import { LakeLayout } from '../pipeline/lake-layout';
import type { Pipeline } from '../pipeline/pipeline';
import { type Bar, barChart } from './charts';
import { type Cell, escapeHtml, formatCount, formatSeconds, htmlTable, plural } from './html';
import { lineageSvg } from './lineage';
import { type Machine, OUTCOME_COLORS, stateMachineSvg } from './state-graph';
import { endStates, failedStep, tallySteps } from './step-tally';

export { escapeHtml } from './html';

export interface RunReportContext {
  /** The daily pipeline's state machine definition, as it ran. */
  readonly definition: Record<string, unknown>;
  readonly pipeline: Pipeline;
  /** The local root, lake and raw buckets, to show and link where failed records wait. */
  readonly root: string;
  readonly lakeBucket: string;
  readonly rawBucket: string;
  /** Where the loads went: the embedded warehouse file, or the database URL without its password. */
  readonly loadDestination?: string | undefined;
}

const STYLE = `
:root { color-scheme: light; --ink: #101828; --muted: #667085; --line: #eaecf0; --panel: #ffffff; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--ink); background: var(--bg); margin: 0; }
main { max-width: 1320px; margin: 0 auto; padding: 28px 32px 64px; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 16px; }
h1 { font-size: 22px; margin: 0; letter-spacing: -0.01em; }
h2 { font-size: 15px; margin: 0 0 12px; }
.sub { color: var(--muted); width: 100%; margin: 0; }
code, .path { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; letter-spacing: 0.04em; }
.pill.SUCCEEDED { background: #dcfae6; color: #067647; } .pill.FAILED { background: #fee4e2; color: #b42318; }
.alert { background: #fef3f2; border: 1px solid #fecdca; color: #7a271a; border-radius: 10px; padding: 12px 16px; margin-top: 16px; }
.alert p { margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 20px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 12px 16px; }
.card .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .label { color: var(--muted); font-size: 12.5px; }
.card.warn .value { color: #b54708; } .card.bad .value { color: #b42318; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 18px 20px; margin-top: 16px; }
section > p.note { color: var(--muted); margin: -6px 0 12px; font-size: 13px; }
.scroll { overflow-x: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 12px 32px; }
.charts h3 { font-size: 13px; color: #344054; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding-bottom: 6px; }
th, td { text-align: left; padding: 6px 12px 6px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.path, code, pre { overflow-wrap: anywhere; }
pre { white-space: pre-wrap; margin: 4px 0; }
.alert { overflow-wrap: anywhere; }
td.warn { color: #b54708; } td.bad { color: #b42318; }
a { color: #175cd3; text-decoration: none; } a:hover { text-decoration: underline; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; color: var(--muted); font-size: 12.5px; margin-bottom: 10px; }
.legend span::before { content: ''; display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px; vertical-align: -2px; border: 1px solid var(--c); background: var(--f); }
.legend .line::before { height: 0; border-radius: 0; border-width: 2px 0 0; width: 20px; vertical-align: 3px; background: none; }
.legend .dashed::before { border-top-style: dashed; }
svg text { font-variant-numeric: tabular-nums; }
svg.state-machine, svg.lineage { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.nowrap { white-space: nowrap; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
`;

function legend(): string {
  const swatch = (outcome: keyof typeof OUTCOME_COLORS, text: string) =>
    `<span style="--c: ${OUTCOME_COLORS[outcome].stroke}; --f: ${OUTCOME_COLORS[outcome].fill}">${escapeHtml(text)}</span>`;
  return [
    '<div class="legend">',
    swatch('succeeded', 'succeeded'),
    swatch('caught', 'caught, or some records failed and wait'),
    swatch('failed', 'failed, or the failure path it took'),
    swatch('not run', 'not run'),
    '<span class="line" style="--c: #475467">next state</span>',
    '<span class="line dashed" style="--c: #f04438">on error (Catch)</span>',
    '</div>',
  ].join('');
}

function card(label: string, value: string, tone?: 'warn' | 'bad'): string {
  return `<div class="card${tone ? ` ${tone}` : ''}"><div class="value">${escapeHtml(value)}</div><div class="label">${escapeHtml(label)}</div></div>`;
}

/** A path under the lake bucket: shown from the local root, in full on hover, linked relative to the report (in reports/). */
function lakePath(context: RunReportContext, key: string, bucket = context.lakeBucket): Cell {
  const full = join(context.root, bucket, key);
  const href = `../${bucket}/${key}`
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
  const shown = `${bucket}/${key}`;
  return {
    html: `<a class="path" href="${escapeHtml(href)}" title="${escapeHtml(full)}">${escapeHtml(shown)}</a>`,
  };
}

function ingestionTable(summary: LocalRunSummary, context: RunReportContext): string {
  const rows: Cell[][] = [];
  for (const [stream, stats] of summary.streams) {
    const failed = stats.processingFailed + stats.conversionFailed + stats.activePartitionExceeded;
    const undeclared = [...stats.undeclaredColumns].map(([name, count]) => `${name} (${formatCount(count)})`);
    rows.push([
      { html: `<strong>${escapeHtml(stream)}</strong>` },
      { html: '<span class="nowrap">Firehose stream</span>' },
      stats.recordsIn,
      stats.rowsWritten,
      stats.parquetFiles.length,
      {
        html:
          stats.eventTimeOutOfRange > 0
            ? `<span class="warn">${formatCount(stats.eventTimeOutOfRange)}</span>`
            : '0',
        numeric: true,
      },
      { html: failed > 0 ? `<span class="warn">${formatCount(failed)}</span>` : '0', numeric: true },
      failed > 0
        ? {
            html: [
              `processing ${formatCount(stats.processingFailed)}, format conversion ${formatCount(stats.conversionFailed)}` +
                (stats.activePartitionExceeded > 0
                  ? `, over the active partition limit ${formatCount(stats.activePartitionExceeded)}`
                  : ''),
              ...failureReasons(stats).map(escapeHtml),
            ].join('<br/>'),
          }
        : '',
      undeclared.length > 0
        ? { html: `<code>${undeclared.map(escapeHtml).join('</code>, <code>')}</code>` }
        : '',
      failed > 0 ? lakePath(context, LakeLayout.firehoseErrors(stream)) : '',
    ]);
  }
  for (const [table, stats] of summary.captures) {
    const quarantined = quarantinedOf(table, summary.quarantined);
    const lines = quarantined.reduce((sum, q) => sum + q.lines, 0);
    rows.push([
      { html: `<strong>${escapeHtml(table)}</strong>` },
      { html: '<span class="nowrap">DynamoDB stream</span>' },
      stats.changes,
      stats.changes - stats.failedChanges - lines,
      stats.changeFiles,
      '',
      {
        html:
          stats.failedChanges + lines > 0
            ? `<span class="warn">${formatCount(stats.failedChanges + lines)}</span>`
            : '0',
        numeric: true,
      },
      [
        stats.failedChanges > 0 ? `${formatCount(stats.failedChanges)} changes failed after retries` : '',
        lines > 0 ? `${plural(lines, 'line')} quarantined by the flattener` : '',
        ...quarantined.flatMap(quarantineReasons),
      ]
        .filter(Boolean)
        .join('; '),
      '',
      quarantined.length > 0
        ? {
            html: quarantined
              .map((q) => (lakePath(context, q.key, context.rawBucket) as { html: string }).html)
              .join('<br/>'),
          }
        : '',
    ]);
  }
  return htmlTable(
    [
      'source',
      'kind',
      { html: 'records in', numeric: true },
      { html: 'rows written', numeric: true },
      { html: 'files', numeric: true },
      { html: 'event time outside the lake', numeric: true },
      { html: 'failed', numeric: true },
      'why failed',
      'undeclared columns (dropped)',
      'failed records wait in',
    ],
    rows,
  );
}

/** Every data check: passed or not, its severity, the failing rows counted and a sample of them. */
function checksTable(summary: LocalRunSummary): string {
  if (summary.checks.length === 0) return '<p class="note">No data checks are declared in pipeline.yml.</p>';
  const rows: Cell[][] = summary.checks.map((outcome) => {
    const tone = outcome.passed
      ? OUTCOME_COLORS.succeeded
      : outcome.severity === 'error'
        ? OUTCOME_COLORS.failed
        : OUTCOME_COLORS.caught;
    const verdict = outcome.passed ? 'passed' : outcome.severity === 'error' ? 'failed' : 'warning';
    const sample =
      outcome.sample.length === 0
        ? ''
        : `<details><summary>${outcome.sample.length} sample row(s)</summary><pre>${escapeHtml(outcome.sample.map((row) => JSON.stringify(row)).join('\n'))}</pre></details>`;
    return [
      outcome.check,
      outcome.table,
      outcome.severity,
      {
        html: `<span data-check="${escapeHtml(outcome.check)}" style="color: ${tone.text}">${verdict}</span>`,
      },
      { html: formatCount(outcome.failures), numeric: true },
      { html: sample },
    ];
  });
  const blocked = summary.blockedLoads.map(
    (b) =>
      `<p class="note">Load ${escapeHtml(b.load)} skipped: failed ${escapeHtml(b.checks.join(', '))}.</p>`,
  );
  return (
    htmlTable(
      [
        'check',
        'table',
        'severity',
        'result',
        { html: 'failing rows', numeric: true },
        'sample of failing rows',
      ],
      rows,
    ) + blocked.join('')
  );
}

/** Bytes and dollars of every Athena query, per transform, check and load, and the run's total. */
function scansSection(summary: LocalRunSummary): string {
  const { scans } = summary;
  const numeric = new Set(['queries', 'scanned', 'billed', 'dollars']);
  return [
    '<section id="scans"><h2>Athena scans</h2>',
    `<p class="note">${escapeHtml(scanBudgetLine(scans))}. Locally the bytes are the local engine’s estimate of what Athena would bill: the Parquet column chunks each query read, at least 10 MB per query.</p>`,
    scans.queries === 0
      ? ''
      : htmlTable(
          SCAN_TABLE_HEADER.map((h) => (numeric.has(h) ? { html: h, numeric: true } : h)),
          scanTableRows(scans).map((row) =>
            row.map((cell, i) =>
              numeric.has(SCAN_TABLE_HEADER[i]!) ? { html: escapeHtml(cell), numeric: true } : cell,
            ),
          ),
        ),
    '</section>',
  ].join('');
}

function stepsTable(summary: LocalRunSummary): string {
  const tallies = tallySteps(summary.execution.steps);
  const rows: Cell[][] = [...tallies.values()].map((tally) => [
    tally.state,
    {
      html: `<span style="color: ${OUTCOME_COLORS[tally.outcome].text}">${escapeHtml(tally.outcome)}</span>`,
    },
    tally.runs,
    tally.retries,
    { html: tally.seconds.toFixed(2), numeric: true },
    tally.error ?? '',
  ]);
  return htmlTable(
    [
      'state',
      'outcome',
      { html: 'runs', numeric: true },
      { html: 'retries', numeric: true },
      { html: 'seconds', numeric: true },
      'last error',
    ],
    rows,
  );
}

function recomputedSection(summary: LocalRunSummary): string {
  if (summary.recomputed.length === 0) return '';
  const rows: Cell[][] = summary.recomputed.map((r) => [r.transform, r.day, r.reason]);
  return [
    '<section id="recomputed"><h2>Days recomputed for late data</h2>',
    '<p class="note">Earlier days within each incremental transform’s lookback window whose sources received files after the day was last computed; their loads merged the new rows.</p>',
    htmlTable(['transform', 'day', 'why'], rows),
    '</section>',
  ].join('');
}

function charts(summary: LocalRunSummary, context: RunReportContext): string {
  const tallies = tallySteps(summary.execution.steps);
  const definition = context.definition as unknown as Machine;
  const stageBars: Bar[] = summary.timings.map(([stage, seconds]) => ({
    label: stage,
    value: seconds,
    shown: formatSeconds(seconds),
    color: '#528bff',
  }));
  const stepBars: Bar[] = Object.keys(definition.States).flatMap((state) => {
    const tally = tallies.get(state);
    if (!tally || tally.runs === 0) return [];
    return [
      {
        label: state,
        value: tally.seconds,
        shown: formatSeconds(tally.seconds),
        color: OUTCOME_COLORS[tally.outcome].stroke,
      },
    ];
  });
  const transforms = new Set(context.pipeline.transforms.map((t) => t.name));
  const tableBars: Bar[] = [
    ...summary.tables.map((t) => ({
      label: t.table,
      note: transforms.has(t.table) ? 'transform' : 'lake',
      value: t.rows,
      shown: formatCount(t.rows),
      color: transforms.has(t.table) ? '#7a5af8' : '#528bff',
    })),
    ...summary.loads.map((l) => ({
      label: l.table,
      note: 'loaded',
      value: l.rows,
      shown: formatCount(l.rows),
      color: '#12b76a',
    })),
  ];
  const chart = (title: string, bars: Bar[]) =>
    bars.length > 0 ? `<div><h3>${escapeHtml(title)}</h3>${barChart(title, bars)}</div>` : '';
  return [
    '<div class="charts">',
    chart('Time per stage', stageBars),
    chart('Time per pipeline step', stepBars),
    chart('Rows per table', tableBars),
    '</div>',
  ].join('');
}

/** A self-contained HTML page: what came in, where it went, what failed and where it waits, and how the state machine ran. */
export async function renderRunReport(summary: LocalRunSummary, context: RunReportContext): Promise<string> {
  const status = summary.execution.status;
  const tallies = [...tallySteps(summary.execution.steps).values()];
  const retries = tallies.reduce((sum, t) => sum + t.retries, 0);
  const streams = [...summary.streams.values()];
  const captures = [...summary.captures.values()];
  const recordsIn =
    streams.reduce((s, x) => s + x.recordsIn, 0) + captures.reduce((s, x) => s + x.changes, 0);
  const failed =
    streams.reduce((s, x) => s + x.processingFailed + x.conversionFailed + x.activePartitionExceeded, 0) +
    captures.reduce((s, x) => s + x.failedChanges, 0) +
    summary.quarantined.reduce((s, q) => s + q.lines, 0);
  const undeclared = streams.reduce((s, x) => s + x.undeclaredColumns.size, 0);
  const loaded = summary.loads.reduce((s, l) => s + l.rows, 0);
  const seconds = summary.timings.reduce((s, [, t]) => s + t, 0);
  const [stateMachine, lineage] = await Promise.all([
    stateMachineSvg(context.definition as unknown as Machine, summary.execution.steps),
    lineageSvg({
      pipeline: context.pipeline,
      streams: summary.streams,
      captures: summary.captures,
      quarantined: summary.quarantined,
      tables: summary.tables,
      published: summary.published,
      loads: summary.loads,
      pipelineFailed: status === 'FAILED',
      loadDestination: context.loadDestination,
      checks: summary.checks,
    }),
  ]);
  const error = summary.execution.error;
  const failedAt =
    status === 'FAILED'
      ? failedStep(summary.execution.steps, endStates(context.definition as { States?: unknown }))
      : undefined;
  const sections = [
    '<header>',
    `<h1>Tributary run for ${escapeHtml(summary.date)}</h1>`,
    `<span class="pill ${status}">${status}</span>`,
    `<p class="sub">Execution <code>${escapeHtml(summary.executionName)}</code> · local root <code>${escapeHtml(context.root)}</code>${context.loadDestination ? ` · loaded into <code>${escapeHtml(context.loadDestination)}</code>` : ''}</p>`,
    '</header>',
    error || summary.notifications.length > 0
      ? `<div class="alert">${failedAt ? `<p>Failed step: <code>${escapeHtml(failedAt.state)}</code>${failedAt.subject ? ` (${escapeHtml(failedAt.subject)})` : ''}${summary.notifications.length === 0 && failedAt.error ? `: ${escapeHtml(failedAt.error)}` : ''}</p>` : ''}${error ? `<p><strong>${escapeHtml(error.name)}</strong>: ${escapeHtml(error.cause)}</p>` : ''}${summary.notifications.map((m) => `<p>Alert: ${escapeHtml(m)}</p>`).join('')}</div>`
      : '',
    '<div class="cards">',
    card('records and changes in', formatCount(recordsIn)),
    card('failed, waiting for a replay', formatCount(failed), failed > 0 ? 'warn' : undefined),
    card('undeclared columns dropped', formatCount(undeclared), undeclared > 0 ? 'warn' : undefined),
    card('rows loaded', formatCount(loaded)),
    card('retries', formatCount(retries), retries > 0 ? 'warn' : undefined),
    card('Athena billed', formatDollars(summary.scans.dollars)),
    card('total time', formatSeconds(seconds)),
    '</div>',
    '<section id="ingestion"><h2>Ingestion outcomes</h2>',
    ...sourceWarnings(summary).map(
      (warning) => `<p class="note"><span class="warn">Warning</span>: ${escapeHtml(warning)}</p>`,
    ),
    ingestionTable(summary, context),
    streams.some((x) => x.eventTimeOutOfRange > 0)
      ? `<p class="note">Records dated outside the days the lake serves (${escapeHtml(summary.lakeStartDate)} to today, UTC) are filed under their arrival time, with event_time as sent.</p>`
      : '',
    '</section>',
    recomputedSection(summary),
    '<section id="checks"><h2>Data checks</h2>',
    checksTable(summary),
    '</section>',
    scansSection(summary),
    '<section id="lineage"><h2>Lineage</h2>',
    '<p class="note">Every source through the lake and the transforms into the database, with this run’s numbers and where failed records wait (paths under the lake bucket).</p>',
    `<div class="scroll">${lineage}</div>`,
    '</section>',
    '<section id="charts"><h2>Time and rows</h2>',
    charts(summary, context),
    '</section>',
    '<section id="state-machine"><h2>Daily pipeline state machine</h2>',
    legend(),
    `<div class="scroll">${stateMachine}</div>`,
    '</section>',
    summary.skippedLoads
      ? `<p class="note">Loads skipped: ${escapeHtml(summary.skippedLoads.reason)}${summary.skippedLoads.skipped.length > 0 ? ` (${escapeHtml(summary.skippedLoads.skipped.join(', '))})` : ''}.</p>`
      : '',
    '<section id="steps"><h2>States that ran</h2>',
    stepsTable(summary),
    '</section>',
    `<footer>Written by <code>tributary run</code> at the end of the run; one file, no scripts, nothing fetched.</footer>`,
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>Tributary run ${escapeHtml(summary.date)} ${status}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${sections.filter(Boolean).join('\n')}
</main>
</body>
</html>
`;
}

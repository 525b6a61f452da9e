import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../../support/chromium';

/** Screenshots of the reports this test opens, kept for people to look at (gitignored). */
const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts', 'run-report');

/** Nothing listens on port 1: every load fails as DatabaseUnavailableError and is retried. */
const UNREACHABLE_MYSQL = 'mysql://root@127.0.0.1:1/test';

interface Run {
  readonly exitCode: number;
  readonly out: string;
  readonly err: string;
  readonly report: string;
}

const PROJECT_ROOT = join(__dirname, '..', '..', '..');

/** `tributary run` as a person runs it, in a process of its own (the handlers are bound to one root per process). */
async function runPipeline(root: string, env: Record<string, string> = {}): Promise<Run> {
  const { exitCode, out, err } = await new Promise<{ exitCode: number; out: string; err: string }>(
    (resolve, reject) => {
      execFile(
        process.execPath,
        [join(PROJECT_ROOT, 'bin', 'tributary.js'), 'run', '--root', root],
        { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : undefined) : 0;
          if (code === undefined) reject(error);
          else resolve({ exitCode: code, out: stdout, err: stderr });
        },
      );
    },
  );
  const reports = await readdir(join(root, 'reports')).catch((error: Error) => {
    throw new Error(`${error.message}\n${out}\n${err}`);
  });
  return { exitCode, out, err, report: join(root, 'reports', reports[0]!) };
}

interface Rect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

interface Geometry {
  /** Pairs of boxes (neither inside the other) that overlap, with the area. */
  readonly overlaps: string[];
  /** Edges with a point inside a box that is not their source, target or a box around them. */
  readonly crossings: string[];
  /** Labels drawn outside their box. */
  readonly overflowing: string[];
  readonly boxes: number;
  readonly edges: number;
}

// The DOM as far as the measuring code uses it: the project type-checks without the DOM library,
// and the code runs in the page, where these are the browser's own.
interface DomRect extends Rect {}
interface DomElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  contains(other: DomElement): boolean;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
  getBoundingClientRect(): DomRect;
}
interface DomPath extends DomElement {
  getScreenCTM(): unknown;
  getTotalLength(): number;
  getPointAtLength(at: number): { readonly x: number; readonly y: number };
}
declare const document: { querySelectorAll<T extends DomElement>(selector: string): Iterable<T> };
declare const DOMPoint: new (
  x: number,
  y: number,
) => { matrixTransform(matrix: unknown): { readonly x: number; readonly y: number } };

/** Measures, in the browser, every drawn box and edge of the report's graphs. */
function measure(page: Page): Promise<Geometry> {
  return page.evaluate(() => {
    const shrink = (r: DomRect, by: number): Rect => ({
      left: r.left + by,
      top: r.top + by,
      right: r.right - by,
      bottom: r.bottom - by,
    });
    const boxes = [...document.querySelectorAll<DomElement>('svg [data-box]')].map((element) => ({
      element,
      id: element.dataset.box!,
      rect: element.querySelector(':scope > rect.frame')!.getBoundingClientRect(),
    }));
    const overlaps: string[] = [];
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        if (a.element.contains(b.element) || b.element.contains(a.element)) continue;
        const width = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
        const height = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
        if (width > 0.5 && height > 0.5)
          overlaps.push(`${a.id} and ${b.id} (${Math.round(width * height)} px²)`);
      }
    }
    const crossings: string[] = [];
    const edges = [...document.querySelectorAll<DomPath>('svg path.edge')];
    for (const edge of edges) {
      const matrix = edge.getScreenCTM()!;
      const length = edge.getTotalLength();
      const points: Array<{ readonly x: number; readonly y: number }> = [];
      for (let at = 0; at <= length; at += 2) {
        const point = edge.getPointAtLength(at);
        points.push(new DOMPoint(point.x, point.y).matrixTransform(matrix));
      }
      const ends = [edge.dataset.source, edge.dataset.target];
      for (const box of boxes) {
        if (box.element.contains(edge)) continue;
        // an edge starts and ends on the border of its own boxes
        const inner = shrink(box.rect, ends.includes(box.id) ? 3 : 1);
        const inside = points.find(
          (p) => p.x > inner.left && p.x < inner.right && p.y > inner.top && p.y < inner.bottom,
        );
        if (inside) {
          crossings.push(
            `${edge.dataset.source} → ${edge.dataset.target} passes through ${box.id} at (${Math.round(inside.x)}, ${Math.round(inside.y)})`,
          );
        }
      }
    }
    const overflowing: string[] = [];
    for (const box of boxes) {
      for (const label of box.element.querySelectorAll(':scope > text.label')) {
        const r = label.getBoundingClientRect();
        if (
          r.left < box.rect.left - 1 ||
          r.right > box.rect.right + 1 ||
          r.top < box.rect.top - 1 ||
          r.bottom > box.rect.bottom + 1
        ) {
          overflowing.push(`${box.id}: "${label.textContent}"`);
        }
      }
    }
    return { overlaps, crossings, overflowing, boxes: boxes.length, edges: edges.length };
  });
}

describeWithChromium('the run report in a browser', () => {
  let root: string;
  let succeeded: Run;
  let failed: Run;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tributary-report-'));
    await mkdir(ARTIFACTS, { recursive: true });
    [succeeded, failed] = await Promise.all([
      runPipeline(join(root, 'succeeded')),
      runPipeline(join(root, 'failed'), { TRIBUTARY_MYSQL_URL: UNREACHABLE_MYSQL }),
    ]);
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await rm(root, { recursive: true, force: true });
  });

  /** Opens a report with every request but the file itself refused, noting what the page asked for and logged. */
  async function open(report: string, screenshot: string) {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const url = pathToFileURL(report).href;
    await page.route('**/*', (route) => {
      const requested = route.request().url();
      if (requested === url) return route.continue();
      requests.push(requested);
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
    const geometry = await measure(page);
    await page.close();
    return { problems, requests, geometry };
  }

  it.each([
    ['a run that succeeded', () => succeeded, 'succeeded.png'],
    ['a run whose loads failed after retries', () => failed, 'failed.png'],
  ])(
    'draws %s without console errors, requests, overlapping boxes or edges through boxes',
    async (_, run, screenshot) => {
      const { problems, requests, geometry } = await open(run().report, screenshot);
      expect({ problems, requests }).toEqual({ problems: [], requests: [] });
      expect(geometry.boxes).toBeGreaterThan(30);
      expect(geometry.edges).toBeGreaterThan(30);
      expect(geometry.overlaps).toEqual([]);
      expect(geometry.crossings).toEqual([]);
      expect(geometry.overflowing).toEqual([]);
    },
    60_000,
  );

  /** What scrolls sideways at a width: the page itself, and any section or table wider than its box. */
  async function sidewaysScroll(report: string, width: number): Promise<string[]> {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height: 900 });
    await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
    await page.screenshot({
      path: join(ARTIFACTS, `width-${width}-${report.includes('failed') ? 'failed' : 'succeeded'}.png`),
      fullPage: true,
    });
    const scrolling = await page.evaluate(() => {
      const found: string[] = [];
      const root = (document as unknown as { documentElement: { scrollWidth: number; clientWidth: number } })
        .documentElement;
      if (root.scrollWidth > root.clientWidth)
        found.push(`the page (${root.scrollWidth} px in ${root.clientWidth})`);
      for (const element of document.querySelectorAll<
        DomElement & { scrollWidth: number; clientWidth: number; id: string; className: string }
      >('section, section .scroll, section table')) {
        if (element.scrollWidth > element.clientWidth + 1) {
          found.push(
            `${element.id || element.className || 'a table'} (${element.scrollWidth} px in ${element.clientWidth})`,
          );
        }
      }
      return found;
    });
    await page.close();
    return scrolling;
  }

  it.each([1280, 1400])(
    'fits %i px without sideways scroll, every column in view',
    async (width) => {
      expect(await sidewaysScroll(succeeded.report, width)).toEqual([]);
      expect(await sidewaysScroll(failed.report, width)).toEqual([]);
    },
    60_000,
  );

  it('counts the retries the terminal counts', async () => {
    expect(failed.exitCode).toBe(1);
    const html = await readFile(failed.report, 'utf8');
    const retriedLines = failed.err
      .split('\n')
      .filter((line) => /^step Load into database( \([^)]*\))?: retried/.test(line));
    expect(retriedLines.length).toBeGreaterThan(0);
    expect(failed.out).toContain(`retries: Load into database ${retriedLines.length}`);
    expect(html).toMatch(
      new RegExp(
        `data-state="Load into database" data-outcome="failed" data-runs="\\d+" data-retries="${retriedLines.length}"`,
      ),
    );
    expect(html).toContain('DatabaseUnavailableError');
  });

  it('is one file that needs nothing else: no scripts, no links out, no external styles or fonts', async () => {
    for (const run of [succeeded, failed]) {
      const html = await readFile(run.report, 'utf8');
      expect(html).not.toMatch(/<script|<link|@import|url\((?!#)|src=/i);
      expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
    }
  });
});

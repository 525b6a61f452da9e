import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'docs', 'aws-rules.md');

interface RuleRow {
  readonly line: number;
  readonly rule: string;
  readonly source: string;
  readonly enforcedBy: string;
}

/** The register's table rows, below its section headings (header and divider rows left out). */
function readRows(): RuleRow[] {
  const rows: RuleRow[] = [];
  readFileSync(REGISTER, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (!text.startsWith('|') || /^\|\s*(Rule|-)/.test(text)) return;
      const cells = text
        .slice(1, text.trimEnd().endsWith('|') ? text.trimEnd().length - 1 : undefined)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim());
      rows.push({
        line: index + 1,
        rule: cells[0] ?? '',
        source: cells[1] ?? '',
        enforcedBy: cells[2] ?? '',
      });
    });
  return rows;
}

const rows = readRows();

describe('the AWS rules register', () => {
  it('has rows', () => {
    expect(rows.length).toBeGreaterThan(0);
  });

  it.each(rows.map((row) => [row.line, row] as const))('row at line %i cites an AWS page', (_line, row) => {
    expect(row.rule.length).toBeGreaterThan(10);
    expect(row.source).toMatch(/\]\(https:\/\/(docs\.aws\.amazon\.com|aws\.amazon\.com)\/[^)\s]+\)/);
  });

  it.each(rows.map((row) => [row.line, row] as const))(
    'row at line %i names a test that exists',
    (_line, row) => {
      const match = /^`?(test\/[^`\s]+\.test\.ts)`?\s*›\s*(.+)$/.exec(row.enforcedBy);
      expect(match).not.toBeNull();
      const [, file, title] = match!;
      const path = join(ROOT, file!);
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path, 'utf8')).toContain(title!.trim());
    },
  );
});

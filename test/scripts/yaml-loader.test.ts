import { join } from 'node:path';

const { parseYaml, PipelineFileError } = jest.requireActual('../../scripts/yaml-loader.cjs');

const FILE = join(__dirname, 'fixtures-not-read', 'pipeline.yml');

/** A pipeline description with `mistake` as its line 5. */
function withLine5(mistake: string): string {
  return [
    'database: shop',
    'streams:',
    '  - name: orders',
    '    columns:',
    mistake,
    '      - { name: placed_at, type: timestamp }',
    '',
  ].join('\n');
}

function failure(text: string): Error {
  try {
    parseYaml(text, FILE);
  } catch (error) {
    return error as Error;
  }
  throw new Error('parsed');
}

describe('parseYaml', () => {
  it.each([
    ['a flow map left open', '      - { name: order_id, type: string'],
    ['a flow sequence left open', '      - [order_id, string'],
    ['an extra comma', '      - { name: order_id,, type: string }'],
  ])('names the file and the line of %s, without a stack trace', (_, mistake) => {
    const error = failure(withLine5(mistake));
    expect(error).toBeInstanceOf(PipelineFileError);
    expect(error.message).toMatch(
      new RegExp(`^${FILE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 5(, column \\d+)?: `),
    );
    expect(error.message).toContain(mistake.trim());
    expect(error.stack).not.toMatch(/\n\s+at /);
  });

  it('parses a valid description', () => {
    expect(parseYaml(withLine5('      - { name: order_id, type: string }'), FILE).document.database).toBe(
      'shop',
    );
  });
});

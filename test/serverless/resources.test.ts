import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const RESOURCES = join(__dirname, '..', '..', 'serverless', 'resources.cjs');

/**
 * Resolves every variable over another pipeline.yml in a Node process of its own, as osls loads
 * the file (tsx compiles its TypeScript, which jest's module system cannot host), and reports
 * each failure: its class, its message, and which failures are the same object.
 */
const PROBE = `
const resources = require(process.argv[1]);
const variables = resources.variablesFor(process.argv[2]);
const context = {
  resolveVariable: async (name) => (name === 'self:service' ? 'tributary' : name === 'sls:stage' ? 'dev' : null),
};
Promise.allSettled(Object.values(variables).map((variable) => variable(context))).then((settled) => {
  const errors = settled.map((outcome) => outcome.reason);
  process.stdout.write(JSON.stringify(errors.map((error) => error && {
    same: errors.indexOf(error),
    class: error.constructor.name,
    message: error.message,
  })));
});`;

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tributary-resources-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

interface Failure {
  readonly same: number;
  readonly class: string;
  readonly message: string;
}

/** Every variable's failure over a pipeline.yml holding `text`. */
async function failures(text: string): Promise<Failure[]> {
  const path = join(directory, 'pipeline.yml');
  await writeFile(path, text);
  const { stdout } = await run(process.execPath, ['-e', PROBE, RESOURCES, path]);
  const errors = JSON.parse(stdout) as Array<Failure | null>;
  if (errors.some((error) => error === null)) throw new Error('a variable resolved');
  return errors as Failure[];
}

describe('the serverless variables built from pipeline.yml', () => {
  it('report an invalid description as one error, shared by every variable, so osls prints it once', async () => {
    const errors = await failures(
      [
        'database: shop',
        'streams:',
        '  - name: orders',
        '    columns:',
        '      - { name: order_id, type: text }',
        '',
      ].join('\n'),
    );
    expect(errors.length).toBeGreaterThan(10);
    expect(new Set(errors.map((error) => error.same))).toEqual(new Set([0]));
    const [error] = errors;
    // osls passes on unchanged only its own error class with this beginning
    expect(error!.class).toBe('ServerlessError');
    expect(error!.message).toMatch(/^Cannot resolve variable at "[^"]*pipeline\.yml": /);
    expect(error!.message).toContain('unknown column type "text"');
  });

  it('report a YAML mistake with the file and its line, without the parser stack', async () => {
    const errors = await failures(
      ['database: shop', 'streams:', '  - name: orders', '    columns:', '      - { name: order_id', ''].join(
        '\n',
      ),
    );
    expect(new Set(errors.map((error) => error.same))).toEqual(new Set([0]));
    expect(errors[0]!.message).toContain('pipeline.yml line 5: Flow map');
    expect(errors[0]!.message).not.toMatch(/\n\s+at /);
  });
});

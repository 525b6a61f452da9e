// Parses YAML files at build time, so Lambda bundles carry the pipeline description as JSON and
// need no YAML parser at run time. One parser for every consumer: esbuild, jest and Node scripts.
const { createHash } = require('node:crypto');
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const YAML = require('yaml');

/**
 * The pipeline description names transform SQL files; their text is inlined as `sqlText`, so the
 * bundles carry the SQL too. A missing file is left out, for the pipeline parser to report.
 */
function inlineTransformSql(document, directory) {
  const files = [];
  for (const transform of Array.isArray(document?.transforms) ? document.transforms : []) {
    if (transform && typeof transform.sql === 'string') {
      const path = join(directory, transform.sql);
      files.push(path);
      if (existsSync(path)) transform.sqlText = readFileSync(path, 'utf8');
    }
  }
  return files;
}

/**
 * A YAML file that cannot be read, named with the line and column of the mistake. Its stack is its
 * message: the parser's frames say nothing to the person who mistyped the file.
 */
class PipelineFileError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PipelineFileError';
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * The YAML parser notices a flow collection (`{ … }`, `[ … ]`) or a quote left open only where
 * the next line starts; the mistake is on the last line before that which holds anything.
 */
const NOTICED_ON_THE_NEXT_LINE = /must be sufficiently indented and end with a [}\]]|Missing closing/;

function describeYamlError(error, text, path) {
  const [at] = error.linePos ?? [];
  const reason = String(error.message)
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '');
  if (!at) return new PipelineFileError(`${path}: ${reason}`);
  const lines = text.split('\n');
  let line = at.line;
  let column = at.col;
  if (NOTICED_ON_THE_NEXT_LINE.test(reason)) {
    let before = line - 1;
    while (before > 1 && (lines[before - 1] ?? '').trim() === '') before--;
    if (before >= 1 && before < line) {
      line = before;
      column = undefined;
    }
  }
  const shown = lines[line - 1] ?? '';
  const caret = column === undefined ? '' : `\n${' '.repeat(Math.max(0, column - 1))}^`;
  return new PipelineFileError(
    `${path} line ${line}${column === undefined ? '' : `, column ${column}`}: ${reason}\n\n${shown}${caret}`,
  );
}

function parseYaml(text, path) {
  let document;
  try {
    document = YAML.parse(text);
  } catch (error) {
    if (error instanceof YAML.YAMLError) throw describeYamlError(error, text, path);
    throw error;
  }
  const sqlFiles = inlineTransformSql(document, dirname(path));
  return { document, sqlFiles };
}

function parseYamlFile(path) {
  return parseYaml(readFileSync(path, 'utf8'), path).document;
}

/** esbuild plugin (serverless-esbuild `plugins`). */
const yamlPlugin = {
  name: 'tributary-yaml',
  setup(build) {
    build.onLoad({ filter: /\.ya?ml$/ }, (args) => {
      const { document, sqlFiles } = parseYaml(readFileSync(args.path, 'utf8'), args.path);
      return { contents: JSON.stringify(document), loader: 'json', watchFiles: [args.path, ...sqlFiles] };
    });
  },
};

/** jest transform. */
const jestTransform = {
  // the output inlines the transform SQL files, so an edited .sql file must not reuse a cached pipeline.yml
  getCacheKey(source, path) {
    const { sqlFiles } = parseYaml(source, path);
    const hash = createHash('sha256').update(source);
    for (const file of sqlFiles)
      hash.update(`\0${file}\0${existsSync(file) ? readFileSync(file, 'utf8') : ''}`);
    return hash.digest('hex');
  },
  process(source, path) {
    return { code: `module.exports = ${JSON.stringify(parseYaml(source, path).document)};` };
  },
};

/** Node require hook for scripts run with tsx (see scripts/register.cjs). */
function registerRequireHook() {
  require.extensions['.yml'] = (module, filename) => {
    module.exports = parseYamlFile(filename);
  };
}

module.exports = {
  yamlPlugin,
  jestTransform,
  parseYaml,
  parseYamlFile,
  registerRequireHook,
  PipelineFileError,
};

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

function parseYaml(text, path) {
  const document = YAML.parse(text);
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

module.exports = { yamlPlugin, jestTransform, parseYamlFile, registerRequireHook };

// Parses YAML files at build time, so Lambda bundles carry the pipeline description as JSON and
// need no YAML parser at run time. One parser for every consumer: esbuild, jest and Node scripts.
const { readFileSync } = require('node:fs');
const YAML = require('yaml');

function parseYamlFile(path) {
  return YAML.parse(readFileSync(path, 'utf8'), { intAsBigInt: false });
}

/** esbuild plugin (serverless-esbuild `plugins`). */
const yamlPlugin = {
  name: 'tributary-yaml',
  setup(build) {
    build.onLoad({ filter: /\.ya?ml$/ }, (args) => ({
      contents: JSON.stringify(parseYamlFile(args.path)),
      loader: 'json',
      watchFiles: [args.path],
    }));
  },
};

/** jest transform. */
const jestTransform = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(YAML.parse(source))};` };
  },
};

/** Node require hook for scripts run with tsx (see scripts/register.cjs). */
function registerRequireHook() {
  require.extensions['.yml'] = (module, filename) => {
    module.exports = parseYamlFile(filename);
  };
}

module.exports = { yamlPlugin, jestTransform, parseYamlFile, registerRequireHook };

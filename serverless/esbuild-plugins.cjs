// Loaded by serverless-esbuild (custom.esbuild.plugins).
const { yamlPlugin } = require('../scripts/yaml-loader.cjs');

/**
 * DuckDB stands in for Athena and the BI database on a laptop only. The loader imports it lazily
 * for the local target, so Lambda bundles leave it out instead of carrying its native binary.
 */
const localOnlyPlugin = {
  name: 'tributary-local-only',
  setup(build) {
    build.onResolve({ filter: /^@duckdb\// }, (args) => ({ path: args.path, external: true }));
  },
};

module.exports = [yamlPlugin, localOnlyPlugin];

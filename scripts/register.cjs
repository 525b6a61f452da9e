// Lets Node scripts (CLI, benchmarks) import TypeScript and pipeline.yml the way the bundles do.
require('tsx/cjs');
require('./yaml-loader.cjs').registerRequireHook();

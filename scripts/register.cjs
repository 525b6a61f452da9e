// Lets Node scripts (CLI, benchmarks) import TypeScript and pipeline.yml the way the bundles do.
require('tsx/cjs');
require('./yaml-loader.cjs').registerRequireHook();
// Node 20 is fine for local runs; Lambda runs Node 22. Keep the SDK's upgrade notice out of output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

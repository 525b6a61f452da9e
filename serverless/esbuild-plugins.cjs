// Loaded by serverless-esbuild (custom.esbuild.plugins).
module.exports = [require('../scripts/yaml-loader.cjs').yamlPlugin];

module.exports = require('../../scripts/yaml-loader.cjs').jestTransform;

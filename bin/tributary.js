#!/usr/bin/env node
// The `tributary` command: runs the TypeScript CLI directly (tsx), so a fresh clone needs no build.
require('../scripts/register.cjs');

const fail = (error) => {
  process.stderr.write(`tributary: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
};

let main;
try {
  // loading the CLI reads pipeline.yml: a mistake there is reported as a message, not a stack trace
  ({ main } = require('../src/cli/main.ts'));
} catch (error) {
  fail(error);
}
main?.(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, fail);

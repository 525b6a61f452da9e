#!/usr/bin/env node
// The `tributary` command: runs the TypeScript CLI directly (tsx), so a fresh clone needs no build.
require('../scripts/register.cjs');
const { main } = require('../src/cli/main.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`tributary: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

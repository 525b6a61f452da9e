/**
 * Writes the shipped sample files from their generators: `node --require ./scripts/register.cjs
 * scripts/generate-samples.ts`. A test checks the files still match, so they never drift.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userChanges } from '../src/lib/samples/users';
import { SAMPLES_DIRECTORY } from '../src/lib/util/project-paths';

const lines = [...userChanges()].map((record) => JSON.stringify(record));
writeFileSync(join(SAMPLES_DIRECTORY, 'users-stream.ndjson'), `${lines.join('\n')}\n`);
process.stdout.write(`samples/users-stream.ndjson: ${lines.length} stream records\n`);

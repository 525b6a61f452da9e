import { join } from 'node:path';

/** The repository root, where pipeline.yml, samples/ and transforms/ live. */
export const PROJECT_ROOT = join(__dirname, '..', '..', '..');
export const SAMPLES_DIRECTORY = join(PROJECT_ROOT, 'samples');

import document from '../../../pipeline.yml';
import { type Pipeline, parsePipeline } from './pipeline';

let cached: Pipeline | undefined;

/** The pipeline description this code was built with (parsed at build time, validated once). */
export function bundledPipeline(): Pipeline {
  cached ??= parsePipeline(document);
  return cached;
}

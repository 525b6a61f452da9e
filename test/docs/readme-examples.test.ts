import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { deliveryStreamName } from '../../src/infra/names';
import { readStackSettings } from '../../src/infra/settings';
import { stackResources } from '../../src/infra/stack';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { CHECK_KINDS } from '../../src/lib/pipeline/check-spec';
import { parsePipeline } from '../../src/lib/pipeline/pipeline';
import { PROJECT_ROOT } from '../../src/lib/util/project-paths';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const shipped = YAML.parse(readFileSync(join(PROJECT_ROOT, 'pipeline.yml'), 'utf8'));
// the transforms' SQL files are inlined at build time; the examples do not touch transforms
const transforms = shipped.transforms.map((t: Record<string, unknown>) => ({
  ...t,
  sqlText: readFileSync(join(PROJECT_ROOT, String(t.sql)), 'utf8'),
}));

/** The YAML between `<!-- name:start -->` and `<!-- name:end -->` in the README. */
function example(name: string): Record<string, any> {
  const block = new RegExp(
    `<!-- ${name}:start -->\\s*\`\`\`yaml\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`,
  ).exec(readme);
  if (!block) throw new Error(`README.md has no ${name} block`);
  return YAML.parse(block[1]!);
}

describe("the README's pipeline.yml examples", () => {
  it('declares checks the pipeline parser accepts, one of every kind', () => {
    const { checks } = example('checks-example');
    const pipeline = parsePipeline({ ...shipped, transforms, checks });
    expect(new Set(pipeline.checks.map((c) => c.rule.kind))).toEqual(new Set(CHECK_KINDS));
    expect(pipeline.checks.map((c) => c.severity)).toContain('warn');
  });

  it('gives a stream an expectation the pipeline parser accepts', () => {
    const [stream] = example('expect-example').streams;
    const clickstream = shipped.streams.find((s: { name: string }) => s.name === stream.name);
    const pipeline = parsePipeline({
      ...shipped,
      transforms,
      streams: [{ ...clickstream, expect: stream.expect }],
    });
    expect(pipeline.streams[0]!.expect).toEqual({
      atLeastRecords: 1,
      periodSeconds: 21_600,
      anomalyDetection: true,
    });
  });
});

/** The JSON between `<!-- name:start -->` and `<!-- name:end -->` in the README. */
function jsonExample(name: string): any {
  const block = new RegExp(
    `<!-- ${name}:start -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`,
  ).exec(readme);
  if (!block) throw new Error(`README.md has no ${name} block`);
  return JSON.parse(block[1]!);
}

/** The text between `<!-- name:start -->` and `<!-- name:end -->` in the README. */
function section(name: string): string {
  const block = new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`).exec(readme);
  if (!block) throw new Error(`README.md has no ${name} block`);
  return block[1]!;
}

describe("the README's deploy section", () => {
  const dev = readStackSettings({ service: 'tributary', stage: 'dev' });

  it("gives a producer exactly Firehose's two put actions, on the stream the stack names", () => {
    const policy = jsonExample('producer-policy');
    expect(policy.Statement).toHaveLength(1);
    const [statement] = policy.Statement;
    expect(statement.Effect).toBe('Allow');
    expect([...statement.Action].sort()).toEqual(['firehose:PutRecord', 'firehose:PutRecordBatch']);
    expect(statement.Resource).toBe(
      `arn:aws:firehose:us-east-1:111122223333:deliverystream/${deliveryStreamName(dev, 'clickstream')}`,
    );
  });

  it('says how to delete every resource sls remove keeps, by the stack output that names it', () => {
    const teardown = section('teardown');
    const { Resources, Outputs } = stackResources(bundledPipeline(), dev);
    const kept = Object.entries(Resources as Record<string, any>).filter(
      ([, resource]) => resource.DeletionPolicy && resource.DeletionPolicy !== 'Delete',
    );
    expect(kept.length).toBeGreaterThan(0);
    for (const [logicalId] of kept) {
      const output = Object.entries(Outputs as Record<string, any>).find(
        ([, value]) => value.Value?.Ref === logicalId,
      );
      expect([logicalId, output && teardown.includes(output[0])]).toEqual([logicalId, true]);
    }
  });
});

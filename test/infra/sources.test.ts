import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dynamodbResources, dynamodbStreamStatements, s3FlattenStatements } from '../../src/infra/dynamodb';
import { firehoseResources, firehoseTransformStatements } from '../../src/infra/firehose';
import { serverlessValues } from '../../src/infra/serverless-values';
import { readStackSettings } from '../../src/infra/settings';
import {
  SOURCE_STACKS,
  type SourceKindStack,
  type SourceStacks,
  sourceResources,
} from '../../src/infra/sources';
import { stackResources } from '../../src/infra/stack';
import { parsePipeline } from '../../src/lib/pipeline/pipeline';

const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/app-users';
const pipeline = parsePipeline({
  database: 'lake',
  streams: [
    { name: 'clicks', columns: [{ name: 'id', type: 'string' }] },
    { name: 'views', columns: [{ name: 'id', type: 'string' }] },
  ],
  dynamodb: [
    {
      name: 'users',
      keys: ['user_id'],
      columns: [{ name: 'user_id', type: 'string' }],
    },
  ],
});
const settings = readStackSettings({
  service: 'tributary',
  stage: 'prod',
  dynamodbSources: {
    users: { tableArn: TABLE_ARN, streamArn: `${TABLE_ARN}/stream/2026-01-01T00:00:00.000` },
  },
});

describe('each source kind’s part of the stack', () => {
  it('puts every kind’s resources in the stack, streams’ first, in their own order', () => {
    const expected = { ...firehoseResources(pipeline, settings), ...dynamodbResources(pipeline, settings) };
    expect(Object.keys(sourceResources(pipeline, settings))).toEqual(Object.keys(expected));
    expect(Object.keys(expected)).toEqual(
      expect.arrayContaining(['DeliveryStreamClicks', 'DeliveryStreamViews', 'DynamodbStreamSourceUsers']),
    );
    const stack = stackResources(pipeline, settings).Resources;
    for (const [id, resource] of Object.entries(expected)) expect(stack[id]).toEqual(resource);
  });

  it('gives serverless.yml each ingesting function’s IAM statements under <function>Statements', () => {
    const values = serverlessValues as Record<string, unknown>;
    expect(values.firehoseTransformStatements).toBe(firehoseTransformStatements);
    expect(values.dynamodbStreamStatements).toBe(dynamodbStreamStatements);
    expect(values.s3FlattenStatements).toBe(s3FlattenStatements);
  });

  it('names only functions serverless.yml declares, each reading its statements from the kind', () => {
    const yml = readFileSync(join(__dirname, '../../serverless.yml'), 'utf8');
    for (const stack of Object.values(SOURCE_STACKS)) {
      for (const name of Object.keys(stack.functionStatements)) {
        expect(yml).toMatch(
          new RegExp(
            `\\n  ${name}:\\n(    .*\\n|\\n)*?    iamRoleStatements: \\$\\{file\\(\\./serverless/resources\\.cjs\\):${name}Statements\\}`,
          ),
        );
      }
    }
  });

  it('asks every kind for its part: a table without one does not compile', () => {
    const stack: SourceKindStack = { resources: () => ({}), functionStatements: {} };
    // @ts-expect-error: no entry for the dynamodb kind
    const missing: SourceStacks = { stream: stack };
    expect(Object.keys(missing)).toEqual(['stream']);
  });
});

import type { Pipeline } from '../lib/pipeline/pipeline';
import { SOURCE_KINDS } from '../lib/sources/registry';
import type { SourceKindName } from '../lib/sources/source-kind';
import { dynamodbResources, dynamodbStreamStatements, s3FlattenStatements } from './dynamodb';
import { firehoseResources, firehoseTransformStatements } from './firehose';
import type { Cfn } from './names';
import type { StackSettings } from './settings';

type StackPart<R> = (pipeline: Pipeline, settings: StackSettings) => R;

/** What one kind of source adds to the stack. */
export interface SourceKindStack {
  /** The resources of the pipeline's sources of this kind, and those the kind needs once. */
  readonly resources: StackPart<Cfn>;
  /**
   * The IAM statements of each Lambda function that ingests this kind, by its name in
   * serverless.yml (whose `iamRoleStatements` read them as `<function>Statements`).
   */
  readonly functionStatements: Readonly<Record<string, StackPart<Cfn[]>>>;
}

/** A part of the stack for every kind: a new kind in SourceSpecs fails to compile until it has one. */
export type SourceStacks = { readonly [K in SourceKindName]: SourceKindStack };

/** Each kind's part of the stack. */
export const SOURCE_STACKS: SourceStacks = {
  stream: {
    resources: firehoseResources,
    functionStatements: { firehoseTransform: firehoseTransformStatements },
  },
  dynamodb: {
    resources: dynamodbResources,
    functionStatements: { dynamodbStream: dynamodbStreamStatements, s3Flatten: s3FlattenStatements },
  },
};

function kindStacks(): SourceKindStack[] {
  return (Object.keys(SOURCE_KINDS) as SourceKindName[]).map((kind) => SOURCE_STACKS[kind]);
}

/** Every kind's resources, kind by kind in the registry's order. */
export function sourceResources(pipeline: Pipeline, settings: StackSettings): Cfn {
  return Object.assign({}, ...kindStacks().map((stack) => stack.resources(pipeline, settings)));
}

/** The IAM statements of every source kind's functions, as serverless.yml names them. */
export function sourceFunctionStatements(): Record<string, StackPart<Cfn[]>> {
  return Object.fromEntries(
    kindStacks().flatMap((stack) =>
      Object.entries(stack.functionStatements).map(([name, statements]) => [`${name}Statements`, statements]),
    ),
  );
}

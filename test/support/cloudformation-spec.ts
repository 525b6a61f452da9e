import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, Resource, SpecDatabase } from '@aws-cdk/service-spec-types';

/**
 * Checks a CloudFormation template against the published resource specification: resource types,
 * property names at every depth, required properties, value shapes and enums, and that every Ref,
 * GetAtt and Fn::Sub reference names something that exists.
 */
export interface TemplateProblem {
  readonly path: string;
  readonly message: string;
}

type Json = Record<string, unknown>;

let database: SpecDatabase | undefined;
function spec(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

const INTRINSICS = new Set([
  'Ref',
  'Fn::GetAtt',
  'Fn::Sub',
  'Fn::Join',
  'Fn::If',
  'Fn::Select',
  'Fn::Split',
  'Fn::ImportValue',
  'Fn::FindInMap',
  'Fn::GetAZs',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::Length',
  'Fn::ToJsonString',
]);
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);
const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const intrinsicName = (value: unknown): string | undefined => {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && INTRINSICS.has(keys[0]!) ? keys[0] : undefined;
};
const isNoValue = (value: unknown) => isObject(value) && value.Ref === 'AWS::NoValue';
const shapeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

export function resourceSpec(type: string): Resource | undefined {
  return spec().lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

function alternatives(types: PropertyType[]): PropertyType[] {
  return types.flatMap((t) => (t.type === 'union' ? alternatives(t.types as PropertyType[]) : [t]));
}

function checkValue(value: unknown, types: PropertyType[], path: string): TemplateProblem[] {
  const intrinsic = intrinsicName(value);
  if (intrinsic === 'Fn::If') {
    const branches = (value as Json)[intrinsic];
    if (!Array.isArray(branches) || branches.length !== 3)
      return [{ path, message: 'Fn::If needs three arguments' }];
    return [branches[1], branches[2]].flatMap((branch, i) =>
      isNoValue(branch) ? [] : checkValue(branch, types, `${path}.Fn::If[${i + 1}]`),
    );
  }
  if (intrinsic) return [];
  let best: TemplateProblem[] | undefined;
  for (const type of alternatives(types)) {
    const problems = checkOne(value, type, path);
    if (problems.length === 0) return [];
    if (!best || problems.length < best.length) best = problems;
  }
  return best ?? [];
}

function checkOne(value: unknown, type: PropertyType, path: string): TemplateProblem[] {
  const wrong = (expected: string): TemplateProblem[] => [
    { path, message: `expected ${expected}, got ${shapeOf(value)}` },
  ];
  switch (type.type) {
    case 'string':
    case 'date-time': {
      if (!['string', 'number', 'boolean'].includes(typeof value)) return wrong('string');
      const allowed = (type as { allowedValues?: string[] }).allowedValues;
      return allowed && typeof value === 'string' && !allowed.includes(value)
        ? [{ path, message: `${JSON.stringify(value)} is not one of ${allowed.join(', ')}` }]
        : [];
    }
    case 'integer':
    case 'number':
      return typeof value === 'number' ||
        (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
        ? []
        : wrong(type.type);
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : wrong('boolean');
    case 'json':
      return value === undefined ? wrong('json') : [];
    case 'null':
      return value === null ? [] : wrong('null');
    case 'tag':
      return isObject(value)
        ? checkProperties(value, { Key: tagField, Value: tagField }, path, 'Tag')
        : wrong('a {Key, Value} tag');
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, i) =>
            isNoValue(item) ? [] : checkValue(item, [type.element as PropertyType], `${path}[${i}]`),
          )
        : wrong('array');
    case 'map':
      return isObject(value)
        ? Object.entries(value).flatMap(([k, item]) =>
            checkValue(item, [type.element as PropertyType], `${path}.${k}`),
          )
        : wrong('object');
    case 'ref': {
      if (!isObject(value)) return wrong('object');
      const definition = spec().get('typeDefinition', type.reference);
      return checkProperties(value, definition.properties, path, definition.name);
    }
    default:
      return [];
  }
}

const tagField: Property = { type: { type: 'string' }, required: true } as Property;

function checkProperties(
  object: Json,
  properties: Record<string, Property>,
  path: string,
  typeName: string,
  allowExtra = false,
): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const [key, value] of Object.entries(object)) {
    const property = properties[key];
    if (!property) {
      if (!allowExtra)
        problems.push({ path: `${path}.${key}`, message: `${typeName} has no property ${key}` });
      continue;
    }
    if (!isNoValue(value)) {
      problems.push(
        ...checkValue(value, [property.type, ...(property.previousTypes ?? [])], `${path}.${key}`),
      );
    }
  }
  for (const [key, property] of Object.entries(properties)) {
    if (property.required && (object[key] === undefined || isNoValue(object[key]))) {
      problems.push({ path: `${path}.${key}`, message: `${typeName} requires ${key}` });
    }
  }
  return problems;
}

function getAttProblem(resources: Json, target: string, attribute: string): string | undefined {
  const resource = resources[target];
  if (!isObject(resource)) return `GetAtt target ${target} is not a resource`;
  const type = String(resource.Type);
  if (type.startsWith('Custom::')) return undefined;
  const definition = resourceSpec(type);
  if (definition && !(attribute in definition.attributes)) {
    return `${type} has no attribute ${attribute} (it has ${Object.keys(definition.attributes).join(', ')})`;
  }
  return undefined;
}

function checkReferences(template: Json): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const resources = (template.Resources ?? {}) as Json;
  const parameters = (template.Parameters ?? {}) as Json;
  const conditions = (template.Conditions ?? {}) as Json;
  const known = (name: string) => name in resources || name in parameters || PSEUDO_PARAMETERS.has(name);
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`);
      return;
    }
    if (!isObject(value)) return;
    for (const [key, argument] of Object.entries(value)) {
      const at = `${path}.${key}`;
      if (key === 'Ref' && typeof argument === 'string' && !known(argument)) {
        problems.push({ path: at, message: `Ref to unknown ${argument}` });
      }
      if (key === 'Fn::GetAtt') {
        const [target, attribute] = Array.isArray(argument)
          ? (argument as string[])
          : String(argument).split(/\.(.*)/s);
        const problem = getAttProblem(resources, String(target), String(attribute));
        if (problem) problems.push({ path: at, message: problem });
      }
      if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(argument)
          ? (argument as [string, Json])
          : [argument as string, {}];
        for (const match of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = match[1]!.trim();
          if (name in (variables ?? {})) continue;
          const dot = name.indexOf('.');
          const problem =
            dot < 0
              ? known(name)
                ? undefined
                : `Fn::Sub references unknown ${name}`
              : getAttProblem(resources, name.slice(0, dot), name.slice(dot + 1));
          if (problem) problems.push({ path: at, message: problem });
        }
      }
      if (key === 'Fn::If' && Array.isArray(argument) && !(String(argument[0]) in conditions)) {
        problems.push({ path: at, message: `unknown condition ${String(argument[0])}` });
      }
      walk(argument, at);
    }
  };
  for (const [name, resource] of Object.entries(resources)) {
    if (!isObject(resource)) continue;
    for (const dependency of [resource.DependsOn ?? []].flat()) {
      if (!(String(dependency) in resources)) {
        problems.push({
          path: `Resources.${name}.DependsOn`,
          message: `depends on unknown ${String(dependency)}`,
        });
      }
    }
    walk(resource.Properties, `Resources.${name}.Properties`);
  }
  walk(template.Outputs, 'Outputs');
  return problems;
}

export function validateTemplate(template: Json): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const [name, resource] of Object.entries((template.Resources ?? {}) as Json)) {
    const path = `Resources.${name}`;
    if (!isObject(resource)) {
      problems.push({ path, message: 'resource must be an object' });
      continue;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key))
        problems.push({ path: `${path}.${key}`, message: `unknown resource attribute ${key}` });
    }
    const type = String(resource.Type);
    const custom = type.startsWith('Custom::');
    const definition = resourceSpec(custom ? 'AWS::CloudFormation::CustomResource' : type);
    if (!definition) {
      problems.push({ path: `${path}.Type`, message: `unknown resource type ${type}` });
      continue;
    }
    const properties = resource.Properties ?? {};
    if (!isObject(properties)) {
      problems.push({ path: `${path}.Properties`, message: 'Properties must be an object' });
      continue;
    }
    problems.push(...checkProperties(properties, definition.properties, `${path}.Properties`, type, custom));
  }
  return [...problems, ...checkReferences(template)];
}

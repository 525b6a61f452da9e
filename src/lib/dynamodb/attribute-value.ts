import { JsonNumber, JsonObject, type JsonValue } from '../flattening/json-value';

/** DynamoDB JSON, as streams, exports and the low-level API write it. */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly M: AttributeMap }
  | { readonly L: readonly AttributeValue[] }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly string[] };

export type AttributeMap = { readonly [name: string]: AttributeValue };

/** A value that is not DynamoDB JSON; `path` says where in the item it was found. */
export class AttributeValueError extends Error {
  override readonly name = 'AttributeValueError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path || 'item'}: ${problem}`);
  }
}

/**
 * DynamoDB stores documents nested at most 32 levels deep (the top-level attribute is level 1).
 * Anything deeper is not an item DynamoDB wrote; it is rejected by name, before it can exhaust the stack.
 */
export const MAX_ATTRIBUTE_NESTING = 32;

function tooDeep(path: string): AttributeValueError {
  return new AttributeValueError(
    path,
    `nested deeper than ${MAX_ATTRIBUTE_NESTING} levels, the most DynamoDB stores`,
  );
}

/** Throws AttributeValueError when an item's attributes nest deeper than DynamoDB allows. */
export function checkNesting(item: unknown, path = '', level = 1): void {
  if (typeof item !== 'object' || item === null) return;
  for (const key in item) {
    const attribute = (item as Record<string, unknown>)[key];
    if (typeof attribute !== 'object' || attribute === null) continue;
    const here = childPath(path, key);
    if (level > MAX_ATTRIBUTE_NESTING) throw tooDeep(here);
    const { M: map, L: list } = attribute as { M?: unknown; L?: unknown };
    if (typeof map === 'object' && map !== null) checkNesting(map, here, level + 1);
    if (Array.isArray(list)) checkNesting(list, here, level + 1);
  }
}

/** DynamoDB numbers: up to 38 significant digits, exponent within ±130 (we only check the shape). */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isDynamoNumber(text: string): boolean {
  return NUMBER.test(text);
}

export function isBase64(text: string): boolean {
  return BASE64.test(text);
}

function childPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/**
 * Unmarshalls DynamoDB JSON with `@aws-sdk/util-dynamodb` semantics, except that nothing is
 * approximated: N stays exact text (a JsonNumber), B stays base64, sets become arrays. The result
 * is the lossless JSON model the flattener takes.
 */
export function attributeToJson(value: unknown, path = '', level = 1): JsonValue {
  if (level > MAX_ATTRIBUTE_NESTING) throw tooDeep(path);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AttributeValueError(path, 'expected an attribute value such as {"S": "..."}');
  }
  const types = Object.keys(value);
  if (types.length !== 1)
    throw new AttributeValueError(path, `expected exactly one type, got ${types.length}`);
  const type = types[0]!;
  const inner = (value as Record<string, unknown>)[type];
  switch (type) {
    case 'S':
      if (typeof inner !== 'string') throw new AttributeValueError(path, 'S must be a string');
      return inner;
    case 'N':
      if (typeof inner !== 'string' || !NUMBER.test(inner))
        throw new AttributeValueError(path, `N must be a number in a string, got ${JSON.stringify(inner)}`);
      return new JsonNumber(inner);
    case 'B':
      if (typeof inner !== 'string' || !BASE64.test(inner))
        throw new AttributeValueError(path, 'B must be base64');
      return inner;
    case 'BOOL':
      if (typeof inner !== 'boolean') throw new AttributeValueError(path, 'BOOL must be true or false');
      return inner;
    case 'NULL':
      if (inner !== true) throw new AttributeValueError(path, 'NULL must be true');
      return null;
    case 'M':
      return mapToJson(inner, path, level + 1);
    case 'L':
      if (!Array.isArray(inner)) throw new AttributeValueError(path, 'L must be a list');
      return inner.map((item, i) => attributeToJson(item, childPath(path, i), level + 1));
    case 'SS':
    case 'NS':
    case 'BS': {
      if (!Array.isArray(inner)) throw new AttributeValueError(path, `${type} must be a list`);
      return inner.map((item, i) => {
        if (typeof item !== 'string')
          throw new AttributeValueError(childPath(path, i), `${type} members must be strings`);
        if (type === 'NS') {
          if (!NUMBER.test(item))
            throw new AttributeValueError(
              childPath(path, i),
              `NS member ${JSON.stringify(item)} is not a number`,
            );
          return new JsonNumber(item);
        }
        if (type === 'BS' && !BASE64.test(item))
          throw new AttributeValueError(childPath(path, i), 'BS members must be base64');
        return item;
      });
    }
    default:
      throw new AttributeValueError(path, `unknown type ${JSON.stringify(type)}`);
  }
}

/** An item or M value: attribute name → value, keeping `__proto__` and friends as plain names. */
export function mapToJson(value: unknown, path = '', level = 1): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AttributeValueError(path, 'expected a map of attributes');
  }
  return new JsonObject(
    Object.keys(value).map((key) => [
      key,
      attributeToJson((value as Record<string, unknown>)[key], childPath(path, key), level),
    ]),
  );
}

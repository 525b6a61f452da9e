import { type FlatCell, type FlatRow, flattenDocument, valueText } from '../flattening/flatten';
import { JsonNumber, stringifyJson } from '../flattening/json-value';
import { type PathNode, PathTrie, TRIE_RESET } from '../flattening/path-trie';
import { type FlattenPlan, PathRule } from '../flattening/plan';
import {
  attributeToJson,
  isBase64,
  isDynamoNumber,
  MAX_ATTRIBUTE_NESTING,
  mapToJson,
} from './attribute-value';

/** Thrown inside the walk to abandon the fast path; never escapes this module. */
const FALLBACK = { fallback: true };

/**
 * Unmarshalls and flattens a DynamoDB item in one walk over its DynamoDB JSON: no unmarshalled
 * copy is built, numbers stay exact text, maps become `parent__child` columns, lists and sets
 * become JSON text. The result is exactly `flattenDocument(mapToJson(item))`; anything unusual
 * (a name collision, a malformed attribute) is answered by that reference path, which also
 * produces the precise error.
 */
export class ImageFlattener {
  private readonly trie: PathTrie;
  private seq = 0;
  private lead: Array<FlatCell | undefined> = [];
  private rest: FlatCell[] = [];

  constructor(readonly plan: FlattenPlan) {
    this.trie = new PathTrie(plan);
  }

  flatten(item: unknown): FlatRow {
    return this.flattenFast(item) ?? flattenDocument(mapToJson(item), this.plan).row;
  }

  /** The fast walk alone; undefined when the reference path must answer. */
  flattenFast(item: unknown): FlatRow | undefined {
    if (this.plan.hasExplode) return undefined;
    this.seq++;
    this.lead = [];
    this.rest = [];
    try {
      this.walkMap(item, this.trie.root);
    } catch (error) {
      if (error === FALLBACK || error === TRIE_RESET) return undefined;
      throw error;
    }
    if (this.lead.length === 0) return this.rest;
    const row: FlatRow = [];
    for (const cell of this.lead) if (cell) row.push(cell);
    for (const cell of this.rest) row.push(cell);
    return row;
  }

  private walkMap(map: unknown, node: PathNode): void {
    if (typeof map !== 'object' || map === null || Array.isArray(map)) throw FALLBACK;
    for (const key in map) {
      this.walkAttribute(this.trie.child(node, key), (map as Record<string, unknown>)[key]);
    }
  }

  private walkAttribute(node: PathNode, attribute: unknown): void {
    if (typeof attribute !== 'object' || attribute === null) throw FALLBACK;
    let type: string | undefined;
    for (const key in attribute) {
      if (type !== undefined) throw FALLBACK;
      type = key;
    }
    const inner = (attribute as Record<string, unknown>)[type!];
    if (node.depth > MAX_ATTRIBUTE_NESTING) throw FALLBACK;
    if (node.rule !== PathRule.none) {
      this.applyRule(node, attribute);
      return;
    }
    switch (type) {
      case 'S':
        if (typeof inner !== 'string') throw FALLBACK;
        this.cell(node, inner);
        return;
      case 'N':
        if (typeof inner !== 'string' || !isDynamoNumber(inner)) throw FALLBACK;
        this.cell(node, new JsonNumber(inner));
        return;
      case 'BOOL':
        if (typeof inner !== 'boolean') throw FALLBACK;
        this.cell(node, inner);
        return;
      case 'NULL':
        if (inner !== true) throw FALLBACK;
        this.cell(node, null);
        return;
      case 'B':
        if (typeof inner !== 'string' || !isBase64(inner)) throw FALLBACK;
        this.cell(node, inner);
        return;
      case 'M':
        if (node.depth >= this.plan.maxDepth || isEmptyMap(inner))
          this.cell(node, stringifyJson(this.checked(attribute, node.depth)));
        else this.walkMap(inner, node);
        return;
      case 'L':
      case 'SS':
      case 'NS':
      case 'BS':
        this.cell(node, stringifyJson(this.checked(attribute, node.depth)));
        return;
      default:
        throw FALLBACK;
    }
  }

  /** Unmarshalls a whole attribute, turning a malformed one into a fallback to the reference path. */
  private checked(attribute: unknown, level: number) {
    try {
      return attributeToJson(attribute, '', level);
    } catch {
      throw FALLBACK;
    }
  }

  private applyRule(node: PathNode, attribute: unknown): void {
    const value = this.checked(attribute, node.depth);
    if (node.rule === PathRule.drop) return;
    if (node.rule !== PathRule.hash) throw FALLBACK;
    this.cell(node, value === null ? null : this.plan.hashText(valueText(value)));
  }

  private cell(node: PathNode, value: FlatCell['value']): void {
    if (node.slot.stamp === this.seq) throw FALLBACK;
    node.slot.stamp = this.seq;
    const cell = { name: node.name, value };
    if (node.keyIndex >= 0) this.lead[node.keyIndex] = cell;
    else this.rest.push(cell);
  }
}

/** An empty M is kept as `{}` text, as an empty L is kept as `[]`: absent and empty differ. */
function isEmptyMap(map: unknown): boolean {
  if (typeof map !== 'object' || map === null) return false;
  for (const _ in map) return false;
  return true;
}

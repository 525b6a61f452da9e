import { isCanonicalSegment, joinPath, limitColumnName, normalizeSegment } from './naming';
import { type FlattenPlan, type NumberLimit, PathRule } from './plan';

/** Paths remembered per table; past this the trie starts over, so hostile keys cannot grow memory. */
const MAX_TRIE_NODES = 20_000;

/** Shared by every path whose name is the same column name: seeing it twice in one row is a collision. */
export class ColumnSlot {
  /** Number of the last row that wrote this column. */
  stamp = 0;
}

/**
 * One key path of a table, with everything the fast flatteners need to write it computed once:
 * its column name, the rule that applies, its place among the key columns.
 */
export class PathNode {
  readonly children = new Map<string, PathNode>();
  /** JSON-bytes fast path: the child whose key came first last time, and the sibling that followed. */
  firstChildGuess: PathNode | null = null;
  nextSiblingGuess: PathNode | null = null;
  /** `,"name":` as bytes, for writing this column. */
  readonly header: Uint8Array;

  constructor(
    readonly rawKey: Uint8Array,
    readonly fullName: string,
    readonly name: string,
    readonly depth: number,
    readonly canonical: boolean,
    readonly slot: ColumnSlot,
    readonly rule: PathRule,
    readonly keyIndex: number,
    readonly isEventTime: boolean,
    /** An array-index-like key ("0", "17"): JavaScript objects list these first, whatever the source order. */
    readonly indexLike: boolean,
    readonly declared: boolean,
    /** For a column of a number type: digits a plain JSON number may have and surely fit it. */
    readonly numberLimit: NumberLimit | undefined,
  ) {
    this.header = Buffer.from(`,"${name}":`);
  }
}

/** Thrown when the trie was full and has been reset; the caller answers this row the slow way. */
export const TRIE_RESET = { trieReset: true };

export class PathTrie {
  root!: PathNode;
  private slots = new Map<string, ColumnSlot>();
  private nodeCount = 0;

  constructor(private readonly plan: FlattenPlan) {
    this.reset();
  }

  private reset(): void {
    this.slots = new Map();
    this.nodeCount = 0;
    this.root = new PathNode(
      new Uint8Array(0),
      '',
      '',
      0,
      true,
      new ColumnSlot(),
      PathRule.none,
      -1,
      false,
      false,
      true,
      undefined,
    );
  }

  /** The child path for `key`, created on first sight. */
  child(parent: PathNode, key: string, rawKey: Uint8Array = EMPTY): PathNode {
    const existing = parent.children.get(key);
    if (existing) return existing;
    if (this.nodeCount >= MAX_TRIE_NODES) {
      this.reset();
      throw TRIE_RESET;
    }
    this.nodeCount++;
    const fullName = joinPath(parent.fullName, normalizeSegment(key));
    const name = limitColumnName(fullName);
    let slot = this.slots.get(name);
    if (!slot) {
      slot = new ColumnSlot();
      this.slots.set(name, slot);
    }
    const node = new PathNode(
      Uint8Array.from(rawKey),
      fullName,
      name,
      parent.depth + 1,
      parent.canonical && isCanonicalSegment(key) && name === fullName,
      slot,
      this.plan.ruleFor(name),
      this.plan.keyIndex(name),
      this.plan.isEventTime(name),
      isIndexLikeKey(key),
      this.plan.isDeclared(name),
      this.plan.numberLimit(name),
    );
    parent.children.set(key, node);
    return node;
  }
}

const EMPTY = new Uint8Array(0);
const INDEX_LIKE = /^(?:0|[1-9]\d{0,9})$/;

/** Whether JavaScript treats `key` as an array index, listing it first in an object's keys. */
export function isIndexLikeKey(key: string): boolean {
  return INDEX_LIKE.test(key) && Number(key) < 4_294_967_295;
}

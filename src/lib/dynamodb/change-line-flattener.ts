import { type FlatCell, type FlatRow, valueText } from '../flattening/flatten';
import { FALLBACK, JsonByteReader, JsonBytes } from '../flattening/json-byte-reader';
import { JsonNumber } from '../flattening/json-value';
import { isIndexLikeKey, type PathNode, PathTrie, TRIE_RESET } from '../flattening/path-trie';
import { type FlattenPlan, PathRule } from '../flattening/plan';
import { attributeToJson, isBase64, MAX_ATTRIBUTE_NESTING } from './attribute-value';
import { ChangeOperation, ChangeRecordError, changedItem, parseChangeLine } from './change-record';
import { ImageFlattener } from './image-flattener';

const { QUOTE, COLON, COMMA, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, TRUE, FALSE, NULL } =
  JsonBytes;

/** What a change or export line says, ready to become a lake row. */
export interface LineContent {
  readonly operation: ChangeOperation | typeof SNAPSHOT;
  readonly sequenceNumber: string | null;
  readonly eventTimeMs: number;
  readonly deleted: boolean;
  readonly cells: FlatRow;
}

export const SNAPSHOT = 'SNAPSHOT';

const ascii = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));
const FIELD = {
  eventName: ascii('eventName'),
  sequenceNumber: ascii('sequenceNumber'),
  approximateCreationTime: ascii('approximateCreationTime'),
  keys: ascii('keys'),
  newImage: ascii('newImage'),
  oldImage: ascii('oldImage'),
  Item: ascii('Item'),
};
const OPERATION_BYTES: ReadonlyArray<[Uint8Array, ChangeOperation]> = Object.values(ChangeOperation).map(
  (op) => [ascii(op), op],
);
/** DynamoDB type tags, as the bytes between the quotes. */
const TYPE_TAGS = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'].map(
  (tag) => [ascii(tag), tag] as const,
);
const SEQUENCE_DIGITS_MAX = 40;

/**
 * Reads change-file and export lines straight from their bytes: the top-level fields are found
 * and the item's DynamoDB JSON is unmarshalled and flattened in one pass, without JSON.parse and
 * without reading the image a change does not need. Whatever is unusual (invalid JSON, a name
 * collision, attribute names JavaScript would reorder) goes to the reference path (JSON.parse
 * and ImageFlattener), which gives the same result or the precise error.
 */
export class ChangeLineFlattener extends JsonByteReader {
  private readonly trie: PathTrie;
  private readonly reference: ImageFlattener;
  private seq = 0;
  /** Scratch for transcoded list, set and deep map values. */
  private out = Buffer.allocUnsafe(4096);
  private o = 0;
  private lead: Array<FlatCell | undefined> = [];
  private rest: FlatCell[] = [];

  constructor(private readonly plan: FlattenPlan) {
    super();
    this.trie = new PathTrie(plan);
    this.reference = new ImageFlattener(plan);
  }

  readChange(line: Buffer): LineContent {
    return this.readFast(line, false) ?? this.readChangeSlowly(line.toString('utf8'));
  }

  readSnapshot(line: Buffer, exportedAtMs: number): LineContent {
    return (
      this.readFast(line, true, exportedAtMs) ?? this.readSnapshotSlowly(line.toString('utf8'), exportedAtMs)
    );
  }

  private readChangeSlowly(text: string): LineContent {
    const change = parseChangeLine(text);
    return {
      operation: change.eventName,
      sequenceNumber: change.sequenceNumber,
      eventTimeMs: Math.round(change.approximateCreationTime * 1000),
      deleted: change.eventName === 'REMOVE',
      cells: this.reference.flatten(changedItem(change)),
    };
  }

  private readSnapshotSlowly(text: string, exportedAtMs: number): LineContent {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ChangeRecordError(`invalid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || !('Item' in value)) {
      throw new ChangeRecordError('an export line must be {"Item": {...}}');
    }
    const cells = this.reference.flatten((value as { Item: unknown }).Item);
    return { operation: SNAPSHOT, sequenceNumber: null, eventTimeMs: exportedAtMs, deleted: false, cells };
  }

  /** The byte-level path alone; undefined when the reference path must answer. */
  readFast(line: Buffer, snapshot: boolean, exportedAtMs = 0): LineContent | undefined {
    if (this.plan.hasExplode) return undefined;
    this.input = line;
    this.pos = 0;
    this.end = line.length;
    try {
      const fields = this.readTopLevel();
      let imageStart: number;
      let content: Omit<LineContent, 'cells'>;
      if (snapshot) {
        if (fields.item < 0) throw FALLBACK;
        imageStart = fields.item;
        content = { operation: SNAPSHOT, sequenceNumber: null, eventTimeMs: exportedAtMs, deleted: false };
      } else {
        const operation = fields.operation;
        if (
          operation === undefined ||
          fields.sequenceNumber === undefined ||
          fields.time === undefined ||
          fields.keys < 0
        ) {
          throw FALLBACK;
        }
        if (operation === 'REMOVE') imageStart = fields.oldImage >= 0 ? fields.oldImage : fields.keys;
        else if (fields.newImage >= 0) imageStart = fields.newImage;
        else throw FALLBACK;
        content = {
          operation,
          sequenceNumber: fields.sequenceNumber,
          eventTimeMs: Math.round(fields.time * 1000),
          deleted: operation === 'REMOVE',
        };
      }
      this.seq++;
      this.lead = [];
      this.rest = [];
      this.pos = imageStart;
      this.walkMap(this.trie.root);
      return { ...content, cells: this.row() };
    } catch (error) {
      if (error === FALLBACK || error === TRIE_RESET) return undefined;
      throw error;
    }
  }

  private row(): FlatRow {
    if (this.lead.length === 0) return this.rest;
    const row: FlatRow = [];
    for (const cell of this.lead) if (cell) row.push(cell);
    for (const cell of this.rest) row.push(cell);
    return row;
  }

  /** Finds the fields of the line's top-level object; images are only located, not read. */
  private readTopLevel() {
    const fields = {
      operation: undefined as ChangeOperation | undefined,
      sequenceNumber: undefined as string | undefined,
      time: undefined as number | undefined,
      keys: -1,
      newImage: -1,
      oldImage: -1,
      item: -1,
    };
    this.skipWhitespace();
    if (this.input[this.pos++] !== OPEN_BRACE) throw FALLBACK;
    this.skipWhitespace();
    if (this.input[this.pos] === CLOSE_BRACE) {
      this.pos++;
    } else {
      for (;;) {
        this.skipWhitespace();
        if (this.input[this.pos] !== QUOTE) throw FALLBACK;
        const keyStart = this.pos + 1;
        if (this.skipString()) throw FALLBACK;
        const keyEnd = this.pos - 1;
        this.skipWhitespace();
        if (this.input[this.pos++] !== COLON) throw FALLBACK;
        this.skipWhitespace();
        const valueStart = this.pos;
        this.skipValue(0);
        if (this.bytesEqual(keyStart, keyEnd, FIELD.eventName))
          fields.operation = this.operationAt(valueStart, this.pos);
        else if (this.bytesEqual(keyStart, keyEnd, FIELD.sequenceNumber)) {
          fields.sequenceNumber = this.sequenceAt(valueStart, this.pos);
        } else if (this.bytesEqual(keyStart, keyEnd, FIELD.approximateCreationTime)) {
          fields.time = this.numberAt(valueStart, this.pos);
        } else if (this.bytesEqual(keyStart, keyEnd, FIELD.keys)) fields.keys = this.objectAt(valueStart);
        else if (this.bytesEqual(keyStart, keyEnd, FIELD.newImage))
          fields.newImage = this.objectAt(valueStart);
        else if (this.bytesEqual(keyStart, keyEnd, FIELD.oldImage))
          fields.oldImage = this.objectAt(valueStart);
        else if (this.bytesEqual(keyStart, keyEnd, FIELD.Item)) fields.item = valueStart;
        this.skipWhitespace();
        const c = this.input[this.pos++];
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) throw FALLBACK;
      }
    }
    this.skipWhitespace();
    if (this.pos !== this.end) throw FALLBACK;
    return fields;
  }

  private bytesEqual(start: number, end: number, expected: Uint8Array): boolean {
    if (end - start !== expected.length) return false;
    for (let i = 0; i < expected.length; i++) if (this.input[start + i] !== expected[i]) return false;
    return true;
  }

  private operationAt(start: number, end: number): ChangeOperation {
    if (this.input[start] !== QUOTE) throw FALLBACK;
    for (const [bytes, operation] of OPERATION_BYTES)
      if (this.bytesEqual(start + 1, end - 1, bytes)) return operation;
    throw FALLBACK;
  }

  private sequenceAt(start: number, end: number): string {
    if (this.input[start] !== QUOTE || end - start - 2 < 1 || end - start - 2 > SEQUENCE_DIGITS_MAX)
      throw FALLBACK;
    for (let i = start + 1; i < end - 1; i++) {
      const c = this.input[i]!;
      if (c < 0x30 || c > 0x39) throw FALLBACK;
    }
    return this.input.toString('latin1', start + 1, end - 1);
  }

  private numberAt(start: number, end: number): number {
    const c = this.input[start];
    if (c !== 0x2d && (c === undefined || c < 0x30 || c > 0x39)) throw FALLBACK;
    return Number(this.input.toString('latin1', start, end));
  }

  private objectAt(start: number): number {
    if (this.input[start] !== OPEN_BRACE) throw FALLBACK;
    return start;
  }

  /** An attribute map (an item or an M value) at `pos`. */
  private walkMap(node: PathNode): void {
    if (this.input[this.pos++] !== OPEN_BRACE) throw FALLBACK;
    this.skipWhitespace();
    if (this.input[this.pos] === CLOSE_BRACE) {
      this.pos++;
      return;
    }
    let guess = node.firstChildGuess;
    let previous: PathNode | null = null;
    for (;;) {
      this.skipWhitespace();
      if (this.input[this.pos] !== QUOTE) throw FALLBACK;
      const child = this.matchKey(this.trie, node, guess);
      if (child.indexLike) throw FALLBACK;
      if (previous === null) node.firstChildGuess = child;
      else previous.nextSiblingGuess = child;
      this.skipWhitespace();
      if (this.input[this.pos++] !== COLON) throw FALLBACK;
      this.skipWhitespace();
      this.walkAttribute(child);
      this.skipWhitespace();
      const c = this.input[this.pos++];
      if (c === CLOSE_BRACE) return;
      if (c !== COMMA) throw FALLBACK;
      previous = child;
      guess = child.nextSiblingGuess;
    }
  }

  /** One attribute value `{"<type>": <value>}` at `pos`. */
  private walkAttribute(node: PathNode): void {
    const attributeStart = this.pos;
    if (this.input[this.pos++] !== OPEN_BRACE) throw FALLBACK;
    this.skipWhitespace();
    const type = this.typeTag();
    this.skipWhitespace();
    if (this.input[this.pos++] !== COLON) throw FALLBACK;
    this.skipWhitespace();
    if (node.depth > MAX_ATTRIBUTE_NESTING) throw FALLBACK;
    if (node.rule !== PathRule.none) {
      this.skipValue(node.depth);
      this.closeAttribute();
      this.applyRule(node, attributeStart);
      return;
    }
    switch (type) {
      case 'S':
        this.cell(node, this.stringValue());
        break;
      case 'N': {
        const start = this.pos + 1;
        if (this.input[this.pos] !== QUOTE || this.skipString()) throw FALLBACK;
        if (this.numberEnd(start) !== this.pos - 1) throw FALLBACK;
        this.cell(node, new JsonNumber(this.input.toString('latin1', start, this.pos - 1)));
        break;
      }
      case 'B': {
        const start = this.pos + 1;
        if (this.input[this.pos] !== QUOTE || this.skipString()) throw FALLBACK;
        const text = this.input.toString('latin1', start, this.pos - 1);
        if (!isBase64(text)) throw FALLBACK;
        this.cell(node, text);
        break;
      }
      case 'BOOL':
        this.cell(node, this.literal(TRUE) ? true : this.literal(FALSE) ? false : fail());
        break;
      case 'NULL':
        if (!this.literal(TRUE)) throw FALLBACK;
        this.cell(node, null);
        break;
      case 'M':
        if (node.depth >= this.plan.maxDepth || this.isEmptyMap()) {
          this.cell(node, this.transcodeValue(type, node.depth));
          break;
        }
        if (this.input[this.pos] !== OPEN_BRACE) throw FALLBACK;
        this.walkMap(node);
        break;
      default:
        // lists and sets are stored as JSON text of their unmarshalled value
        this.cell(node, this.transcodeValue(type, node.depth));
        break;
    }
    this.closeAttribute();
  }

  /**
   * The unmarshalled JSON text of the value (of DynamoDB type `type`) at `pos`, written straight
   * from the DynamoDB JSON bytes: exactly `stringifyJson(attributeToJson(...))`, without building
   * either value.
   */
  private transcodeValue(type: string, level: number): string {
    this.o = 0;
    this.transcode(type, level);
    return this.out.toString('utf8', 0, this.o);
  }

  /** `level`: how deep the value sits, the top-level attribute being 1, as DynamoDB counts. */
  private transcode(type: string, level: number): void {
    if (level > MAX_ATTRIBUTE_NESTING) throw FALLBACK;
    switch (type) {
      case 'S':
        this.copyPlainString();
        return;
      case 'N':
        this.copyNumber();
        return;
      case 'B':
        this.copyBase64();
        return;
      case 'BOOL': {
        const start = this.pos;
        if (!this.literal(TRUE) && !this.literal(FALSE)) throw FALLBACK;
        this.write(this.input, start, this.pos);
        return;
      }
      case 'NULL':
        if (!this.literal(TRUE)) throw FALLBACK;
        this.write(NULL, 0, NULL.length);
        return;
      case 'M': {
        if (this.input[this.pos++] !== OPEN_BRACE) throw FALLBACK;
        this.writeByte(OPEN_BRACE);
        this.skipWhitespace();
        if (this.input[this.pos] === CLOSE_BRACE) {
          this.pos++;
          this.writeByte(CLOSE_BRACE);
          return;
        }
        const seen = new Set<string>();
        for (let first = true; ; first = false) {
          this.skipWhitespace();
          if (this.input[this.pos] !== QUOTE) throw FALLBACK;
          const keyStart = this.pos;
          if (this.skipString()) throw FALLBACK;
          const key = this.input.toString('utf8', keyStart + 1, this.pos - 1);
          // JavaScript lists index-like names first, and a repeated name keeps its last value
          if (seen.has(key) || isIndexLikeKey(key)) throw FALLBACK;
          seen.add(key);
          if (!first) this.writeByte(COMMA);
          this.write(this.input, keyStart, this.pos);
          this.writeByte(COLON);
          this.skipWhitespace();
          if (this.input[this.pos++] !== COLON) throw FALLBACK;
          this.skipWhitespace();
          this.transcodeAttribute(level + 1);
          this.skipWhitespace();
          const c = this.input[this.pos++];
          if (c === CLOSE_BRACE) break;
          if (c !== COMMA) throw FALLBACK;
        }
        this.writeByte(CLOSE_BRACE);
        return;
      }
      default: {
        // L, SS, NS, BS
        if (this.input[this.pos++] !== OPEN_BRACKET) throw FALLBACK;
        this.writeByte(OPEN_BRACKET);
        this.skipWhitespace();
        if (this.input[this.pos] === CLOSE_BRACKET) {
          this.pos++;
          this.writeByte(CLOSE_BRACKET);
          return;
        }
        for (let first = true; ; first = false) {
          if (!first) this.writeByte(COMMA);
          this.skipWhitespace();
          if (type === 'L') this.transcodeAttribute(level + 1);
          else if (type === 'SS') this.copyPlainString();
          else if (type === 'NS') this.copyNumber();
          else this.copyBase64();
          this.skipWhitespace();
          const c = this.input[this.pos++];
          if (c === CLOSE_BRACKET) break;
          if (c !== COMMA) throw FALLBACK;
        }
        this.writeByte(CLOSE_BRACKET);
      }
    }
  }

  /** `{"<type>": <value>}` inside a list or map, transcoded. */
  private transcodeAttribute(level: number): void {
    if (this.input[this.pos++] !== OPEN_BRACE) throw FALLBACK;
    this.skipWhitespace();
    const type = this.typeTag();
    this.skipWhitespace();
    if (this.input[this.pos++] !== COLON) throw FALLBACK;
    this.skipWhitespace();
    this.transcode(type, level);
    this.closeAttribute();
  }

  /** A string written back as it came; escaped strings go the reference way to match JSON.stringify. */
  private copyPlainString(): void {
    const start = this.pos;
    if (this.input[this.pos] !== QUOTE || this.skipString()) throw FALLBACK;
    this.write(this.input, start, this.pos);
  }

  /** A DynamoDB number: a JSON number inside a string, written without the quotes. */
  private copyNumber(): void {
    const start = this.pos + 1;
    if (this.input[this.pos] !== QUOTE || this.skipString()) throw FALLBACK;
    if (this.numberEnd(start) !== this.pos - 1) throw FALLBACK;
    this.write(this.input, start, this.pos - 1);
  }

  private copyBase64(): void {
    const start = this.pos;
    if (this.input[this.pos] !== QUOTE || this.skipString()) throw FALLBACK;
    if (!isBase64(this.input.toString('latin1', start + 1, this.pos - 1))) throw FALLBACK;
    this.write(this.input, start, this.pos);
  }

  private writeByte(byte: number): void {
    if (this.o >= this.out.length) this.grow(1);
    this.out[this.o++] = byte;
  }

  private write(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (this.o + length > this.out.length) this.grow(length);
    for (let i = start; i < end; i++) this.out[this.o++] = source[i]!;
  }

  private grow(extra: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.o + extra));
    this.out.copy(grown, 0, 0, this.o);
    this.out = grown;
  }

  /** Whether the M value at `pos` is `{}`: it is kept as JSON text, not walked. */
  private isEmptyMap(): boolean {
    let p = this.pos + 1;
    while (p < this.end && JsonBytes.isWhitespace(this.input[p]!)) p++;
    return this.input[p] === CLOSE_BRACE;
  }

  private typeTag(): string {
    if (this.input[this.pos] !== QUOTE) throw FALLBACK;
    const start = this.pos + 1;
    if (this.skipString()) throw FALLBACK;
    for (const [bytes, tag] of TYPE_TAGS) if (this.bytesEqual(start, this.pos - 1, bytes)) return tag;
    throw FALLBACK;
  }

  /** The `}` after the single type of an attribute; a second type is the reference path's error. */
  private closeAttribute(): void {
    this.skipWhitespace();
    if (this.input[this.pos++] !== CLOSE_BRACE) throw FALLBACK;
  }

  private stringValue(): string {
    if (this.input[this.pos] !== QUOTE) throw FALLBACK;
    const start = this.pos;
    const escaped = this.skipString();
    return escaped
      ? (JSON.parse(this.input.toString('utf8', start, this.pos)) as string)
      : this.input.toString('utf8', start + 1, this.pos - 1);
  }

  private literal(word: Uint8Array): boolean {
    for (let k = 0; k < word.length; k++) if (this.input[this.pos + k] !== word[k]) return false;
    this.pos += word.length;
    return true;
  }

  /** The attribute that starts at `start` and ends at `pos`, unmarshalled by the reference code. */
  private parseAttribute(start: number, level: number) {
    try {
      return attributeToJson(JSON.parse(this.input.toString('utf8', start, this.pos)), '', level);
    } catch {
      throw FALLBACK;
    }
  }

  private applyRule(node: PathNode, attributeStart: number): void {
    const value = this.parseAttribute(attributeStart, node.depth);
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

function fail(): never {
  throw FALLBACK;
}

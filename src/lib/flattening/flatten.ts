import { createHash } from 'node:crypto';
import { JsonNumber, JsonObject, type JsonValue, stringifyJson } from './json-value';
import { isCanonicalSegment, joinPath, limitColumnName, normalizeSegment, shortHash } from './naming';
import { type FlattenPlan, PathRule } from './plan';

/** A flat column value: a scalar, or JSON text for arrays and objects kept whole. */
export type FlatValue = string | boolean | null | JsonNumber;

export interface FlatCell {
  readonly name: string;
  readonly value: FlatValue;
}

export type FlatRow = FlatCell[];

export interface FlattenResult {
  readonly row: FlatRow;
  /** Rows of exploded arrays, by child table suffix (`items` for `<table>__items`). */
  readonly childTables: ReadonlyMap<string, FlatRow[]>;
  /** How many columns were renamed because two paths gave the same name. */
  readonly collisions: number;
  /** The raw value of the event-time column, if the record has one. */
  readonly eventTime: FlatValue | undefined;
}

export const ROW_ID_COLUMN = '_row_id';
export const PARENT_ID_COLUMN = '_parent_id';
export const LIST_INDEX_COLUMN = '_list_idx';
export const SCALAR_ELEMENT_COLUMN = 'value';

interface PendingCell {
  base: string;
  /** Raw keys from the row root; empty for the synthetic id columns. */
  rawPath: readonly string[];
  /** Every raw key already equals its segment, so this path wins a name collision. */
  canonical: boolean;
  value: FlatValue;
  /** Place among the row's leading columns, or -1. */
  leadIndex: number;
}

interface WalkContext {
  readonly namePrefix: string;
  /** Full path from the document root, used to match rules inside child rows. */
  readonly rulePrefix: string;
  readonly rawPath: readonly string[];
  readonly canonical: boolean;
  readonly depth: number;
  readonly rowId: string | undefined;
  readonly isRoot: boolean;
}

class RowFlattener {
  readonly childTables = new Map<string, FlatRow[]>();
  collisions = 0;
  eventTime: FlatValue | undefined;

  constructor(private readonly plan: FlattenPlan) {}

  flattenRoot(doc: JsonObject, rowId: string | undefined): FlatRow {
    const cells: PendingCell[] = [];
    const id = this.plan.hasExplode ? (rowId ?? documentRowId(doc)) : undefined;
    if (id !== undefined) cells.push(syntheticCell(ROW_ID_COLUMN, id, this.plan.options.keyColumns.length));
    const root: WalkContext = {
      namePrefix: '',
      rulePrefix: '',
      rawPath: [],
      canonical: true,
      depth: 0,
      rowId: id,
      isRoot: true,
    };
    this.walkObject(doc, root, cells);
    return this.finishRow(cells);
  }

  private walkObject(object: JsonObject, ctx: WalkContext, cells: PendingCell[]): void {
    for (const [key, value] of object.entries) {
      const segment = normalizeSegment(key);
      const fullName = joinPath(ctx.namePrefix, segment);
      const ruleFull = joinPath(ctx.rulePrefix, segment);
      const name = limitColumnName(fullName);
      const child: WalkContext = {
        namePrefix: fullName,
        rulePrefix: ruleFull,
        rawPath: [...ctx.rawPath, key],
        canonical: ctx.canonical && isCanonicalSegment(key) && name === fullName,
        depth: ctx.depth + 1,
        rowId: ctx.rowId,
        isRoot: ctx.isRoot,
      };
      this.walkValue(value, name, limitColumnName(ruleFull), child, cells);
    }
  }

  private walkValue(
    value: JsonValue,
    name: string,
    ruleName: string,
    ctx: WalkContext,
    cells: PendingCell[],
  ): void {
    const rule = this.plan.ruleFor(ruleName);
    if (rule === PathRule.drop) return;
    if (rule === PathRule.hash) {
      this.addCell(cells, name, ctx, value === null ? null : this.plan.hashText(valueText(value)));
      return;
    }
    if (Array.isArray(value)) {
      if (rule === PathRule.explode) this.explode(value, ruleName, ctx.rowId!);
      else this.addCell(cells, name, ctx, stringifyJson(value));
      return;
    }
    if (value instanceof JsonObject) {
      // an empty object is kept as `{}`, as an empty array is kept as `[]`: absent and empty differ
      if (ctx.depth >= this.plan.maxDepth || value.entries.length === 0)
        this.addCell(cells, name, ctx, stringifyJson(value));
      else this.walkObject(value, ctx, cells);
      return;
    }
    this.addCell(cells, name, ctx, value);
  }

  private addCell(cells: PendingCell[], name: string, ctx: WalkContext, value: FlatValue): void {
    let leadIndex = -1;
    if (ctx.isRoot) {
      leadIndex = this.plan.keyIndex(name);
      if (this.eventTime === undefined && this.plan.isEventTime(name)) this.eventTime = value;
    }
    cells.push({ base: name, rawPath: ctx.rawPath, canonical: ctx.canonical, value, leadIndex });
  }

  private explode(items: JsonValue[], arrayPath: string, parentId: string): void {
    let rows = this.childTables.get(arrayPath);
    if (!rows) {
      rows = [];
      this.childTables.set(arrayPath, rows);
    }
    items.forEach((item, index) => {
      const rowId = childRowId(parentId, arrayPath, index);
      const cells = [
        syntheticCell(PARENT_ID_COLUMN, parentId, 0),
        syntheticCell(LIST_INDEX_COLUMN, new JsonNumber(String(index)), 1),
        syntheticCell(ROW_ID_COLUMN, rowId, 2),
      ];
      const ctx: WalkContext = {
        namePrefix: '',
        rulePrefix: arrayPath,
        rawPath: [],
        canonical: true,
        depth: 0,
        rowId,
        isRoot: false,
      };
      if (item instanceof JsonObject) {
        this.walkObject(item, ctx, cells);
      } else {
        const element = { ...ctx, rawPath: [SCALAR_ELEMENT_COLUMN], depth: 1 };
        this.walkValue(
          item,
          SCALAR_ELEMENT_COLUMN,
          joinPath(arrayPath, SCALAR_ELEMENT_COLUMN),
          element,
          cells,
        );
      }
      rows.push(this.finishRow(cells));
    });
  }

  private finishRow(cells: PendingCell[]): FlatRow {
    const names = resolveCollisions(cells);
    this.collisions += names.renamed;
    const lead: Array<FlatCell | undefined> = [];
    const rest: FlatCell[] = [];
    cells.forEach((cell, i) => {
      const name = names.final[i]!;
      const out = { name, value: cell.value };
      // a renamed column lost its claim to a key position; only the winner stays a key
      if (cell.leadIndex >= 0 && name === cell.base && lead[cell.leadIndex] === undefined)
        lead[cell.leadIndex] = out;
      else rest.push(out);
    });
    return [...lead.filter((cell): cell is FlatCell => cell !== undefined), ...rest];
  }
}

function syntheticCell(name: string, value: FlatValue, leadIndex: number): PendingCell {
  return { base: name, rawPath: [], canonical: true, value, leadIndex };
}

/**
 * Gives every cell a distinct name. When several paths share a name, the one written exactly as
 * its column name keeps it (then the smallest raw path, then the first duplicate); the others get
 * a suffix hashed from their raw path, so the choice never depends on key order.
 */
export function resolveCollisions(cells: readonly PendingCell[]): { final: string[]; renamed: number } {
  const final = cells.map((cell) => cell.base);
  const groups = new Map<string, number[]>();
  cells.forEach((cell, i) => {
    const group = groups.get(cell.base);
    if (group) group.push(i);
    else groups.set(cell.base, [i]);
  });
  if (groups.size === cells.length) return { final, renamed: 0 };

  const used = new Set(final);
  let renamed = 0;
  for (const [base, members] of groups) {
    if (members.length === 1) continue;
    const ranked = members.map((i) => ({
      i,
      key: JSON.stringify(cells[i]!.rawPath),
      canonical: cells[i]!.canonical,
    }));
    ranked.sort(
      (a, b) => Number(b.canonical) - Number(a.canonical) || compareCodeUnits(a.key, b.key) || a.i - b.i,
    );
    const seen = new Map<string, number>();
    ranked.forEach(({ i, key }, rank) => {
      const duplicate = seen.get(key) ?? 0;
      seen.set(key, duplicate + 1);
      if (rank === 0) return;
      let candidate = limitColumnName(`${base}_${shortHash(duplicate === 0 ? key : `${key}#${duplicate}`)}`);
      for (let n = 2; used.has(candidate); n++)
        candidate = limitColumnName(`${base}_${shortHash(`${key}#${n}`)}`);
      used.add(candidate);
      final[i] = candidate;
      renamed++;
    });
  }
  return { final, renamed };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The text a hash rule hashes: a string's own characters, anything else as compact JSON. */
export function valueText(value: JsonValue): string {
  if (typeof value === 'string') return value;
  return stringifyJson(value);
}

function sha256Hex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function documentRowId(doc: JsonObject): string {
  return sha256Hex(stringifyJson(doc), 16);
}

/** Child row ids are derived from the parent id, the array path and the position, like dlt's. */
export function childRowId(parentId: string, arrayPath: string, index: number): string {
  return sha256Hex(`${parentId}/${arrayPath}/${index}`, 16);
}

/**
 * Flattens one JSON object into a one-level row (and child rows for exploded arrays). This is the
 * reference behaviour; the byte-level fast path must produce the same output whenever it answers.
 */
export function flattenDocument(doc: JsonObject, plan: FlattenPlan, rowId?: string): FlattenResult {
  const flattener = new RowFlattener(plan);
  const row = flattener.flattenRoot(doc, rowId);
  return {
    row,
    childTables: flattener.childTables,
    collisions: flattener.collisions,
    eventTime: flattener.eventTime,
  };
}

/** One flat row as compact JSON; numbers keep their source digits. */
export function encodeFlatRow(row: FlatRow): string {
  let text = '{';
  for (let i = 0; i < row.length; i++) {
    const cell = row[i]!;
    if (i > 0) text += ',';
    text += `"${cell.name}":${encodeFlatValue(cell.value)}`;
  }
  return `${text}}`;
}

export function encodeFlatValue(value: FlatValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return value.raw;
}

import type { ColumnSpec } from '../columns/column-types';
import { encodeFlatValue, type FlatRow } from '../flattening/flatten';
import { type Converter, converterFor, ValueConversionError } from '../parquet/coerce';
import { type InferredColumn, SchemaInference } from './infer';

/** A column of a proposed table entry, with a note for its line. */
export interface EntryColumn extends InferredColumn {
  readonly note?: string | undefined;
}

/** A declared column some sample values cannot be stored in. */
export interface TypeChange {
  readonly column: ColumnSpec;
  /** What the samples hold, as inferred from every value seen. */
  readonly found: InferredColumn;
  readonly failures: number;
  readonly example: string;
}

/** How sample data differs from a table's declared columns. */
export interface SchemaDrift {
  /** Columns in the data that the table does not declare, with the first record that had each. */
  readonly newColumns: readonly (InferredColumn & { readonly firstSeen?: string | undefined })[];
  readonly typeChanges: readonly TypeChange[];
  /** Declared columns no sample record had. */
  readonly missingColumns: readonly ColumnSpec[];
  /** Records read. */
  readonly rows: number;
  /** Records with a value in an undeclared column or a value their declared column cannot hold. */
  readonly differingRows: number;
}

export function hasDrift(drift: SchemaDrift): boolean {
  return drift.newColumns.length + drift.typeChanges.length + drift.missingColumns.length > 0;
}

/**
 * Compares flattened sample rows with the declared columns, one row at a time. A type change is
 * judged by the same conversion the Parquet writer applies, so it is reported exactly when a
 * value would fail.
 */
export class SchemaComparison {
  private readonly converters: ReadonlyMap<string, Converter>;
  private readonly failures = new Map<string, { count: number; example: string }>();
  private readonly inference = new SchemaInference();
  private rows = 0;
  private differingRows = 0;
  /** Where each undeclared column was first seen, as the caller names a record. */
  private readonly firstSeen = new Map<string, string>();

  constructor(private readonly declared: readonly ColumnSpec[]) {
    this.converters = new Map(declared.map((column) => [column.name, converterFor(column)]));
  }

  /** Compares one record; `source` (such as `file:line`) is kept for the first record of each new column. */
  add(row: FlatRow, source?: string): void {
    this.rows++;
    this.inference.add(row);
    let differs = false;
    for (const cell of row) {
      if (cell.value === null) continue;
      const convert = this.converters.get(cell.name);
      if (!convert) {
        differs = true;
        if (source !== undefined && !this.firstSeen.has(cell.name)) this.firstSeen.set(cell.name, source);
        continue;
      }
      try {
        convert(cell.value);
      } catch (error) {
        if (!(error instanceof ValueConversionError)) throw error;
        differs = true;
        const failure = this.failures.get(cell.name);
        if (failure) failure.count++;
        else {
          const example = typeof cell.value === 'string' ? cell.value : encodeFlatValue(cell.value);
          this.failures.set(cell.name, { count: 1, example });
        }
      }
    }
    if (differs) this.differingRows++;
  }

  drift(): SchemaDrift {
    const inferred = this.inference.columns();
    const found = new Map(inferred.map((column) => [column.name, column]));
    return {
      newColumns: inferred
        .filter((column) => !this.converters.has(column.name))
        .map((column) => ({ ...column, firstSeen: this.firstSeen.get(column.name) })),
      typeChanges: this.declared.flatMap((column) => {
        const failure = this.failures.get(column.name);
        return failure
          ? [{ column, found: found.get(column.name)!, failures: failure.count, example: failure.example }]
          : [];
      }),
      missingColumns: this.declared.filter((column) => !found.has(column.name)),
      rows: this.rows,
      differingRows: this.differingRows,
    };
  }

  /**
   * The table's columns as `schema infer` proposes them for a declared table: every declared column
   * with its declared type (values it cannot hold are reported, not turned into a wider type), then
   * the columns the samples add, with their inferred types.
   */
  keptColumns(): { columns: EntryColumn[]; drift: SchemaDrift } {
    const drift = this.drift();
    const found = new Map(this.inference.columns().map((column) => [column.name, column]));
    const declared = this.declared.map((column): EntryColumn => {
      const seen = found.get(column.name)?.seen ?? 0;
      return {
        ...column,
        seen,
        conflict: undefined,
        note: found.has(column.name) ? undefined : 'declared; not in the samples',
      };
    });
    const added = drift.newColumns.map(
      (column): EntryColumn => ({ ...column, note: `new: in ${column.seen} of ${drift.rows} records` }),
    );
    return { columns: [...declared, ...added], drift };
  }
}

export function diffSchema(declared: readonly ColumnSpec[], rows: Iterable<FlatRow>): SchemaDrift {
  const comparison = new SchemaComparison(declared);
  for (const row of rows) comparison.add(row);
  return comparison.drift();
}

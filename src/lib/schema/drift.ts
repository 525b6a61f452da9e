import type { ColumnSpec } from '../columns/column-types';
import { encodeFlatValue, type FlatRow } from '../flattening/flatten';
import { type Converter, converterFor, ValueConversionError } from '../parquet/coerce';
import { type InferredColumn, SchemaInference } from './infer';

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
  /** Columns in the data that the table does not declare. */
  readonly newColumns: readonly InferredColumn[];
  readonly typeChanges: readonly TypeChange[];
  /** Declared columns no sample record had. */
  readonly missingColumns: readonly ColumnSpec[];
  readonly rows: number;
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

  constructor(private readonly declared: readonly ColumnSpec[]) {
    this.converters = new Map(declared.map((column) => [column.name, converterFor(column)]));
  }

  add(row: FlatRow): void {
    this.rows++;
    this.inference.add(row);
    for (const cell of row) {
      const convert = this.converters.get(cell.name);
      if (!convert || cell.value === null) continue;
      try {
        convert(cell.value);
      } catch (error) {
        if (!(error instanceof ValueConversionError)) throw error;
        const failure = this.failures.get(cell.name);
        if (failure) failure.count++;
        else {
          const example = typeof cell.value === 'string' ? cell.value : encodeFlatValue(cell.value);
          this.failures.set(cell.name, { count: 1, example });
        }
      }
    }
  }

  drift(): SchemaDrift {
    const inferred = this.inference.columns();
    const found = new Map(inferred.map((column) => [column.name, column]));
    return {
      newColumns: inferred.filter((column) => !this.converters.has(column.name)),
      typeChanges: this.declared.flatMap((column) => {
        const failure = this.failures.get(column.name);
        return failure
          ? [{ column, found: found.get(column.name)!, failures: failure.count, example: failure.example }]
          : [];
      }),
      missingColumns: this.declared.filter((column) => !found.has(column.name)),
      rows: this.rows,
    };
  }
}

export function diffSchema(declared: readonly ColumnSpec[], rows: Iterable<FlatRow>): SchemaDrift {
  const comparison = new SchemaComparison(declared);
  for (const row of rows) comparison.add(row);
  return comparison.drift();
}

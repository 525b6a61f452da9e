import { type ColumnSpec, type ColumnType, formatColumnType } from '../columns/column-types';

/**
 * Athena reads a partitioned Parquet table's old files through the table's current column types,
 * casting only where its documented compatible types allow: of the types a table may declare,
 * `int` read as `bigint`. Any other change makes queries of the old files fail, so it is refused
 * before anything is written (docs/aws-rules.md, "Change a column data type").
 */
const WIDENINGS: ReadonlyArray<readonly [ColumnType['kind'], ColumnType['kind']]> = [['int', 'bigint']];

export type TypeChangeVerdict = 'same' | 'widening' | 'refused';

export function typeChangeVerdict(held: ColumnType, declared: ColumnType): TypeChangeVerdict {
  if (formatColumnType(held) === formatColumnType(declared)) return 'same';
  return WIDENINGS.some(([from, to]) => held.kind === from && declared.kind === to) ? 'widening' : 'refused';
}

/** A declared column whose type Athena cannot read the lake's existing files as. */
export interface RefusedTypeChange {
  readonly table: string;
  readonly column: string;
  readonly held: ColumnType;
  readonly declared: ColumnType;
  /** Where the old type was found, such as a Parquet file. */
  readonly where: string;
}

/** The declared columns whose type the lake's files cannot be read as; `held` maps column to type. */
export function refusedTypeChanges(
  table: string,
  declared: readonly ColumnSpec[],
  held: ReadonlyMap<string, { readonly type: ColumnType; readonly where: string }>,
): RefusedTypeChange[] {
  return declared.flatMap((column) => {
    const old = held.get(column.name);
    if (!old || typeChangeVerdict(old.type, column.type) !== 'refused') return [];
    return [{ table, column: column.name, held: old.type, declared: column.type, where: old.where }];
  });
}

/** Thrown before a run writes anything when pipeline.yml changed a column's type in a way Athena cannot read. */
export class SchemaChangeRefusedError extends Error {
  override readonly name = 'SchemaChangeRefusedError';

  constructor(readonly changes: readonly RefusedTypeChange[]) {
    super(
      [
        `pipeline.yml changes the type of ${changes.length === 1 ? 'a column' : `${changes.length} columns`} the lake already holds, in a way Athena cannot read the old files as:`,
        ...changes.map(
          (c) =>
            `  ${c.table}.${c.column}: the lake holds ${formatColumnType(c.held)} (${c.where}), pipeline.yml now says ${formatColumnType(c.declared)}`,
        ),
        'Athena reads old Parquet files through the new type only where it can cast them: int as bigint. Any other change fails every query that reads an old day.',
        `What to do: put back the declared type and add a new column with the new one (such as ${changes[0]!.column}_v2), or rebuild the old days in the new type from the raw copies (tributary backfill --stream <stream> --from <its first day>) before the change lands.`,
      ].join('\n'),
    );
  }
}

import { encodeFlatRow, type FlatRow } from '../flattening/flatten';
import { FlattenPlan } from '../flattening/plan';
import { type ParquetValue, RowCoercer } from '../parquet/coerce';
import { CHANGE_METADATA_COLUMNS, type DynamoTableSpec, EXTRA_ATTRIBUTES_COLUMN } from '../pipeline/pipeline';
import { type ColumnSpec, parseColumnType } from '../schema/column-types';
import { type ChangeRecord, changedItem, sortableSequence } from './change-record';
import { ImageFlattener } from './image-flattener';

const METADATA_TYPES: Record<(typeof CHANGE_METADATA_COLUMNS)[number], string> = {
  _op: 'string',
  _seq: 'string',
  _event_time: 'timestamp',
  _deleted: 'boolean',
};

/** A snapshot row's operation: the item as an export saw it. */
export const SNAPSHOT_OPERATION = 'SNAPSHOT';

/**
 * The lake columns of a DynamoDB table: key attributes first, then `_op`, `_seq`, `_event_time`
 * and `_deleted`, then the other declared attributes, then `_extra` (JSON text of attributes the
 * table does not declare, so none is lost).
 */
export function changeTableColumns(table: DynamoTableSpec): ColumnSpec[] {
  const keys = table.keys.map((key) => table.columns.find((c) => c.name === key)!);
  const metadata = CHANGE_METADATA_COLUMNS.map((name) => ({
    name,
    type: parseColumnType(METADATA_TYPES[name]),
  }));
  const rest = table.columns.filter((c) => !table.keys.includes(c.name));
  return [...keys, ...metadata, ...rest, { name: EXTRA_ATTRIBUTES_COLUMN, type: parseColumnType('string') }];
}

/** Turns changes and exported items of one table into typed rows of its lake columns. */
export class DynamoRowBuilder {
  readonly columns: ColumnSpec[];
  private readonly flattener: ImageFlattener;
  private readonly coercer: RowCoercer;
  private readonly declared: ReadonlySet<string>;
  /** Undeclared attribute names seen, with counts, for drift reporting. */
  readonly undeclared = new Map<string, number>();

  constructor(table: DynamoTableSpec, hashKey: string | undefined) {
    this.columns = changeTableColumns(table);
    this.flattener = new ImageFlattener(
      new FlattenPlan({
        keyColumns: table.keys,
        maxDepth: table.flatten.maxDepth,
        drop: table.flatten.drop,
        hash: table.flatten.hash,
        hashKey,
      }),
    );
    this.coercer = new RowCoercer(this.columns);
    this.declared = new Set(table.columns.map((c) => c.name));
  }

  fromChange(change: ChangeRecord): ParquetValue[] {
    return this.build(this.flattener.flatten(changedItem(change)), {
      _op: change.eventName,
      _seq: sortableSequence(change.sequenceNumber),
      _event_time: Math.round(change.approximateCreationTime * 1000),
      _deleted: change.eventName === 'REMOVE',
    });
  }

  fromSnapshot(item: unknown, exportedAt: number): ParquetValue[] {
    return this.build(this.flattener.flatten(item), {
      _op: SNAPSHOT_OPERATION,
      _seq: null,
      _event_time: exportedAt,
      _deleted: false,
    });
  }

  private build(cells: FlatRow, metadata: Record<string, unknown>): ParquetValue[] {
    const record: Record<string, unknown> = Object.create(null);
    const extra: FlatRow = [];
    for (const cell of cells) {
      if (this.declared.has(cell.name)) {
        record[cell.name] = cell.value;
      } else {
        extra.push(cell);
        this.undeclared.set(cell.name, (this.undeclared.get(cell.name) ?? 0) + 1);
      }
    }
    Object.assign(record, metadata);
    record[EXTRA_ATTRIBUTES_COLUMN] = extra.length > 0 ? encodeFlatRow(extra) : null;
    return this.coercer.coerce(record);
  }
}

import { isUtf8 } from 'node:buffer';
import type { ColumnSpec } from '../columns/column-types';
import { encodeFlatRow, type FlatRow } from '../flattening/flatten';
import { FlattenPlan } from '../flattening/plan';
import { type ParquetValue, RowCoercer } from '../parquet/coerce';
import { changeTableColumns } from '../pipeline/lake-tables';
import {
  type CHANGE_METADATA_COLUMNS,
  type DynamoTableSpec,
  EXTRA_ATTRIBUTES_COLUMN,
  flattenOptionsFor,
} from '../pipeline/pipeline';
import { ChangeLineFlattener, type LineContent } from './change-line-flattener';
import { ChangeRecordError, sortableSequence } from './change-record';

/** Turns changes and exported items of one table into typed rows of its lake columns. */
export class DynamoRowBuilder {
  readonly columns: ColumnSpec[];
  private readonly lines: ChangeLineFlattener;
  private readonly coercer: RowCoercer;
  /** Declared attribute column → position among the lake columns. */
  private readonly attributeIndex: ReadonlyMap<string, number>;
  /** Key columns and their positions: a row without its key cannot be merged, so it is quarantined. */
  private readonly keyIndex: ReadonlyArray<readonly [string, number]>;
  private readonly metadataIndex: Readonly<
    Record<(typeof CHANGE_METADATA_COLUMNS)[number] | '_extra', number>
  >;
  /** Undeclared attribute names seen, with counts, for drift reporting. */
  readonly undeclared = new Map<string, number>();

  constructor(table: DynamoTableSpec, hashKey: string | undefined) {
    this.columns = changeTableColumns(table);
    this.lines = new ChangeLineFlattener(new FlattenPlan(flattenOptionsFor(table, hashKey)));
    this.coercer = new RowCoercer(this.columns);
    const index = new Map(this.columns.map((column, i) => [column.name, i]));
    this.attributeIndex = new Map(table.columns.map((column) => [column.name, index.get(column.name)!]));
    this.keyIndex = table.keys.map((name) => [name, index.get(name)!]);
    this.metadataIndex = {
      _op: index.get('_op')!,
      _seq: index.get('_seq')!,
      _event_time: index.get('_event_time')!,
      _deleted: index.get('_deleted')!,
      _extra: index.get(EXTRA_ATTRIBUTES_COLUMN)!,
    };
  }

  /** A change-file line (bytes). Throws ChangeRecordError, AttributeValueError or ValueConversionError. */
  fromChangeLine(line: Buffer): ParquetValue[] {
    requireUtf8(line);
    return this.build(this.lines.readChange(line));
  }

  /** An export data-file line (bytes), as the item was at `exportedAtMs`. */
  fromExportLine(line: Buffer, exportedAtMs: number): ParquetValue[] {
    requireUtf8(line);
    return this.build(this.lines.readSnapshot(line, exportedAtMs));
  }

  private build(content: LineContent): ParquetValue[] {
    const values = new Array<unknown>(this.columns.length).fill(null);
    const extra: FlatRow = [];
    for (const cell of content.cells) {
      const index = this.attributeIndex.get(cell.name);
      if (index !== undefined) {
        values[index] = cell.value;
      } else {
        extra.push(cell);
        this.undeclared.set(cell.name, (this.undeclared.get(cell.name) ?? 0) + 1);
      }
    }
    for (const [name, index] of this.keyIndex) {
      if (values[index] === null) throw new ChangeRecordError(`key attribute ${name} is missing`);
    }
    values[this.metadataIndex._op] = content.operation;
    values[this.metadataIndex._seq] =
      content.sequenceNumber === null ? null : sortableSequence(content.sequenceNumber);
    values[this.metadataIndex._event_time] = content.eventTimeMs;
    values[this.metadataIndex._deleted] = content.deleted;
    values[this.metadataIndex._extra] = extra.length > 0 ? encodeFlatRow(extra) : null;
    return this.coercer.coerceValues(values);
  }
}

/** DynamoDB strings are UTF-8; a line that is not is damage, quarantined rather than stored as U+FFFD. */
function requireUtf8(line: Buffer): void {
  if (!isUtf8(line)) throw new ChangeRecordError('line is not valid UTF-8');
}

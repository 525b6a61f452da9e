import { formatColumnType } from '../columns/column-types';
import type { DynamoTableSpec, StreamSpec } from '../pipeline/pipeline';
import type { EntryColumn } from './drift';

const EVENT_TIME_NAME = /(^|_)(time|timestamp|ts)$|_at$/;

function yamlScalar(text: string): string {
  return /^[a-zA-Z_][\w .,/-]*$/.test(text) && !/^(true|false|null|yes|no|on|off)$/i.test(text)
    ? text
    : JSON.stringify(text);
}

/** One column as a line of a table's `columns:` list in pipeline.yml. */
export function columnLine(column: EntryColumn, declaredComment?: string): string {
  const type = formatColumnType(column.type);
  const quotedType = type.includes(',') ? JSON.stringify(type) : type;
  const comment = declaredComment !== undefined ? `, comment: ${yamlScalar(declaredComment)}` : '';
  const notes = [
    column.conflict ? `type conflict: ${column.conflict}` : undefined,
    column.note ?? (column.seen === 0 ? 'only null in the samples' : undefined),
  ].filter((note) => note !== undefined);
  const trailer = notes.length > 0 ? ` # ${notes.join('; ')}` : '';
  return `      - { name: ${column.name}, type: ${quotedType}${comment} }${trailer}`;
}

/**
 * The table's entry for `pipeline.yml`, as YAML lines ready to paste under `streams:` or
 * `dynamodb:`. An existing entry keeps its description, keys, event time, flatten rules and column
 * comments; a new one gets the first timestamp column named like a time as its event time.
 */
export function tableEntryYaml(
  name: string,
  section: 'streams' | 'dynamodb',
  columns: readonly EntryColumn[],
  existing?: StreamSpec | DynamoTableSpec,
): string {
  const comments = new Map(existing?.columns.map((column) => [column.name, column.comment]));
  const keys = existing?.keys ?? [];
  const lines = [`  - name: ${name}`];
  lines.push(
    `    description: ${yamlScalar(existing?.description || `Inferred from samples; describe ${name}.`)}`,
  );
  if (section === 'streams') {
    const eventTime =
      existing && 'eventTime' in existing
        ? existing.eventTime
        : columns.find((c) => c.type.kind === 'timestamp' && EVENT_TIME_NAME.test(c.name))?.name;
    if (eventTime) lines.push(`    eventTime: ${eventTime}`);
  }
  if (section === 'dynamodb' && !existing && columns[0]) {
    lines.push(`    keys: [${columns[0].name}] # a guess: list the partition key, then the sort key if any`);
  } else {
    lines.push(`    keys: [${keys.join(', ')}]`);
  }
  if (existing) {
    const { maxDepth, drop, hash } = existing.flatten;
    lines.push(
      '    flatten:',
      `      maxDepth: ${maxDepth}`,
      `      drop: [${drop.join(', ')}]`,
      `      hash: [${hash.join(', ')}]`,
    );
  }
  lines.push('    columns:');
  for (const column of columns) lines.push(columnLine(column, comments.get(column.name)));
  if (existing && 'demo' in existing && existing.demo) {
    const { partitionKey, sortKey } = existing.demo;
    lines.push('    demo:', `      partitionKey: { name: ${partitionKey.name}, type: ${partitionKey.type} }`);
    if (sortKey) lines.push(`      sortKey: { name: ${sortKey.name}, type: ${sortKey.type} }`);
  }
  return `${section}:\n${lines.join('\n')}\n`;
}

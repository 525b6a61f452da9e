import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export interface QueryResult {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  /** Rows with exact values as JSON-friendly text (BIGINT and DECIMAL as strings). */
  readonly rows: ReadonlyArray<Record<string, unknown>>;
}

/** DuckDB in process: the local stand-in for Athena, and the reader that checks what we wrote. */
export class DuckDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(path = ':memory:'): Promise<DuckDb> {
    const instance = await DuckDBInstance.create(path, { threads: '2' });
    return new DuckDb(instance, await instance.connect());
  }

  async query(
    sql: string,
    parameters?: Record<string, string | number | boolean | null>,
  ): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql, parameters as never);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    return {
      columns: names.map((name, i) => ({ name, type: types[i]!.toString() })),
      rows: reader.getRowObjectsJson() as Array<Record<string, unknown>>,
    };
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** A SQL string literal; the only way outside values enter SQL text here. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

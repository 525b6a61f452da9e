import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export interface QueryResult {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  /** Rows with exact values as JSON-friendly text (BIGINT and DECIMAL as strings). */
  readonly rows: ReadonlyArray<Record<string, unknown>>;
}

export interface DuckDbOptions {
  /** Settings applied before anything runs (`SET name = value`, the value as SQL). */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * When given, the connection reads and writes files only under these directories: external
   * access is switched off, these are allow-listed, and the configuration is locked so no SQL can
   * switch it back on (nor INSTALL, LOAD or ATTACH anything).
   */
  readonly onlyDirectories?: readonly string[];
}

/** DuckDB in process: the local stand-in for Athena, and the reader that checks what we wrote. */
export class DuckDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(path = ':memory:', options: DuckDbOptions = {}): Promise<DuckDb> {
    const instance = await DuckDBInstance.create(path, { threads: '2' });
    const connection = await instance.connect();
    for (const [name, value] of Object.entries(options.settings ?? {})) {
      await connection.run(`SET ${name} = ${value}`);
    }
    if (options.onlyDirectories) {
      const directories = options.onlyDirectories.map((d) => sqlString(d.endsWith('/') ? d : `${d}/`));
      await connection.run(`SET allowed_directories = [${directories.join(', ')}]`);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
    }
    return new DuckDb(instance, connection);
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

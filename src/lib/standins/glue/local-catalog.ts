import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog, CatalogTable } from '../../catalog/catalog';

const NAME = /^[a-z0-9_]{1,255}$/;

function checked(name: string): string {
  if (!NAME.test(name)) throw new Error(`Not a catalog name: ${JSON.stringify(name)}`);
  return name;
}

/** The Glue catalog on this machine: one JSON file per table under `<root>/_catalog/<database>/`. */
export class LocalCatalog implements Catalog {
  constructor(private readonly root: string) {}

  private path(database: string, name: string): string {
    return join(this.root, '_catalog', checked(database), `${checked(name)}.json`);
  }

  async getTable(database: string, name: string): Promise<CatalogTable | undefined> {
    try {
      return JSON.parse(await readFile(this.path(database, name), 'utf8')) as CatalogTable;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async putTable(database: string, table: CatalogTable): Promise<void> {
    const path = this.path(database, table.name);
    await mkdir(join(this.root, '_catalog', database), { recursive: true });
    await writeFile(`${path}.partial`, JSON.stringify(table, null, 2));
    await rename(`${path}.partial`, path);
  }

  async deleteTable(database: string, name: string): Promise<void> {
    await rm(this.path(database, name), { force: true });
  }

  async listTables(database: string, namePrefix: string): Promise<string[]> {
    const files = await readdir(join(this.root, '_catalog', checked(database))).catch(() => [] as string[]);
    return files
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .filter((name) => name.startsWith(namePrefix))
      .sort();
  }
}

import { parquetMetadata } from 'hyparquet';
import { s3Uri } from '../catalog/catalog';
import { parseColumnType } from '../columns/column-types';
import { ParquetRowWriter } from '../parquet/parquet-writer';
import { getBytes, type ObjectStore, uploadPipe } from '../storage/object-store';
import { CONSUMED_COLUMN } from './lake-sql';

/**
 * Writes a generation's `consumed.parquet` with the project's own Parquet writer (no query engine
 * needed, so it runs in a Lambda): one string column, `_consumed`, the `s3://` URI of each live
 * file whose rows the generation holds. The `<stream>__compacted` table reads it through the
 * day's manifest, so a reader leaves those live files out.
 */
export async function writeConsumedFile(
  store: ObjectStore,
  bucket: string,
  key: string,
  consumed: readonly string[],
): Promise<void> {
  const body = uploadPipe();
  const upload = store.put(bucket, key, body, { contentType: 'application/vnd.apache.parquet' });
  // a refused put (a killed process, a denied write) stops the writer rather than leave it
  // writing into a pipe no one reads; its error is the one thrown, below
  upload.catch((error: unknown) => body.destroy(error as Error));
  const writer = new ParquetRowWriter([{ name: CONSUMED_COLUMN, type: parseColumnType('string') }], body, {
    codec: 'snappy',
    rowGroupRows: 50_000,
  });
  try {
    for (const live of consumed) await writer.append([s3Uri(bucket, live)]);
    await writer.close();
  } catch (error) {
    body.destroy(error as Error);
    throw error;
  } finally {
    await upload;
  }
}

/** Rows a Parquet file holds, from its footer. */
export async function parquetRowCount(store: ObjectStore, bucket: string, key: string): Promise<number> {
  const bytes = await getBytes(store, bucket, key);
  const metadata = parquetMetadata(new Uint8Array(bytes));
  return Number(metadata.num_rows);
}

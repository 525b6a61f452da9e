import { parentPort, workerData } from 'node:worker_threads';
import { type PartitionConversion, partitionConverter } from '../../firehose/record-conversion';
import { LocalObjectStore } from '../s3/local-object-store';

/** The conversion thread: converts partitions into the local store it was started for. */
const convert = partitionConverter(new LocalObjectStore((workerData as { root: string }).root));

parentPort!.on('message', ({ id, conversion }: { id: number; conversion: PartitionConversion }) => {
  convert(conversion).then(
    (result) => parentPort!.postMessage({ id, result }),
    (error: Error) => parentPort!.postMessage({ id, error: { name: error.name, message: error.message } }),
  );
});

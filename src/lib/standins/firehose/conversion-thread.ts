import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type {
  ConvertedPartition,
  PartitionConversion,
  PartitionConverter,
} from '../../firehose/record-conversion';
import { PROJECT_ROOT } from '../../util/project-paths';

type Reply = { id: number; result?: ConvertedPartition; error?: { name: string; message: string } };

/**
 * Firehose converts to Parquet on its own capacity; locally a worker thread does it, so the
 * second core converts one buffer while the first runs the transform Lambda on the next.
 */
export class ConversionThread {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: ConvertedPartition) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(root: string) {
    this.worker = new Worker(join(__dirname, 'partition-conversion-worker.ts'), {
      workerData: { root },
      // the thread loads TypeScript and pipeline.yml as this process does; `node --cpu-prof`
      // profiles it too
      execArgv: [
        ...process.execArgv.filter((flag) => flag.startsWith('--cpu-prof')),
        '--require',
        join(PROJECT_ROOT, 'scripts', 'register.cjs'),
      ],
    });
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiting) return;
      if (reply.result) waiting.resolve(reply.result);
      else
        waiting.reject(
          Object.assign(new Error(reply.error?.message), { name: reply.error?.name ?? 'Error' }),
        );
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0)
        this.fail(new Error(`The Parquet conversion thread exited with code ${code}`));
    });
  }

  readonly convert: PartitionConverter = (conversion: PartitionConversion) => {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<ConvertedPartition>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // the lines' buffers move to the thread: the caller hands them over
      this.worker.postMessage({ id, conversion }, [
        conversion.lines.bytes.buffer,
        conversion.lines.ends.buffer,
      ]);
    });
  };

  private fail(error: Error): void {
    this.failure = error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

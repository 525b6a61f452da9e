import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { cleanupDay } from '../../../src/lib/rewrite/cleanup';
import { readDayState, visibleFiles } from '../../../src/lib/rewrite/day-state';
import { RewriteLayout } from '../../../src/lib/rewrite/layout';
import { objectStorePointers } from '../../../src/lib/rewrite/pointer-store';
import { type GenerationBuilder, rewriteDay } from '../../../src/lib/rewrite/rewrite-day';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { killedAfter } from '../../../src/lib/storage/killed-store';
import type { ObjectStore } from '../../../src/lib/storage/object-store';
import { localCompactionBuilder } from '../../support/local-compaction';

const BUCKET = 'tributary-test-lake';
const TABLE = 'clicks';
const DT = '2026-11-20';

/** What happens next to the day: Firehose delivers, a compaction runs (maybe killed, maybe while files land), or a clean-up. */
type Step =
  | { kind: 'land'; ids: number[] }
  | { kind: 'compact'; landDuring: number[]; killAt: number | undefined; killAfterBuild: boolean }
  | { kind: 'cleanup'; afterGrace: boolean; killAt: number | undefined };

const ids = fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 4 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('land' as const), ids }),
  fc.record({
    kind: fc.constant('compact' as const),
    landDuring: fc.oneof(fc.constant([] as number[]), ids),
    killAt: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }),
    killAfterBuild: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('cleanup' as const),
    afterGrace: fc.boolean(),
    killAt: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  }),
);

describe('a day rewritten while Firehose delivers, killed anywhere', () => {
  it('never shows a reader a record it lost, nor more copies of one than were delivered, and ends with one copy per key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 6 }), async (steps) => {
        const root = await mkdtemp(join(tmpdir(), 'tributary-interleave-'));
        const store = new LocalObjectStore(root);
        const duck = await DuckDb.open();
        const delivered = new Map<number, number>();
        let files = 0;
        let offset = 0;
        const now = () => new Date(Date.now() + offset);
        const land = async (batch: number[]) => {
          const key = `${RewriteLayout.liveDay(TABLE, DT)}hour=${String(files % 24).padStart(2, '0')}/f${files++}.parquet`;
          const path = store.pathFor(BUCKET, key);
          await mkdir(dirname(path), { recursive: true });
          await duck.run(
            `COPY (SELECT * FROM (VALUES ${batch.map((id) => `(${sqlString(`e${id}`)})`).join(', ')}) AS t(event_id)) TO ${sqlString(path)} (FORMAT parquet)`,
          );
          for (const id of batch) delivered.set(id, (delivered.get(id) ?? 0) + 1);
        };
        const read = async () => {
          const visible = visibleFiles(
            await readDayState(store, objectStorePointers(store), BUCKET, TABLE, DT),
          );
          const keys = [...visible.live, ...visible.compacted];
          if (keys.length === 0) return new Map<number, number>();
          const { rows } = await duck.query(
            `SELECT event_id FROM read_parquet([${keys.map((k) => sqlString(store.pathFor(BUCKET, k))).join(', ')}], union_by_name = true, hive_partitioning = false)`,
          );
          const seen = new Map<number, number>();
          for (const r of rows) {
            const id = Number(String(r.event_id).slice(1));
            seen.set(id, (seen.get(id) ?? 0) + 1);
          }
          return seen;
        };
        const check = async () => {
          const seen = await read();
          expect([...seen.keys()].sort()).toEqual([...delivered.keys()].sort());
          for (const [id, copies] of seen) expect(copies).toBeLessThanOrEqual(delivered.get(id)!);
        };
        const compact = (target: ObjectStore, landDuring: number[], killAfterBuild: boolean) => {
          const builder = localCompactionBuilder(store, BUCKET, {
            keys: ['event_id'],
            columns: ['event_id'],
          });
          const build: GenerationBuilder = async (request) => {
            const built = await builder(request);
            if (landDuring.length > 0) await land(landDuring);
            if (killAfterBuild) throw new Error('killed');
            return built;
          };
          const pointers = objectStorePointers(target);
          return rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, build, {
            store: target,
            pointers,
            lakeBucket: BUCKET,
            now,
          });
        };
        try {
          await land([0, 1]);
          for (const s of steps) {
            if (s.kind === 'land') await land(s.ids);
            else if (s.kind === 'compact') {
              await compact(killedAfter(store, s.killAt), s.landDuring, s.killAfterBuild).catch(
                (error: Error) => {
                  if (!/killed/.test(error.message)) throw error;
                },
              );
            } else {
              if (s.afterGrace) offset += 25 * 3_600_000;
              const target = killedAfter(store, s.killAt);
              await cleanupDay(TABLE, DT, {
                store: target,
                pointers: objectStorePointers(target),
                lakeBucket: BUCKET,
                now,
              }).catch((error: Error) => {
                if (!/killed/.test(error.message)) throw error;
              });
            }
            await check();
          }
          // a last compaction that nothing interrupts takes in everything: one copy per key
          await compact(store, [], false);
          const seen = await read();
          expect([...seen.entries()].sort()).toEqual([...delivered.keys()].sort().map((id) => [id, 1]));
        } finally {
          duck.close();
          await rm(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 12 },
    );
  }, 240_000);
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { failingRowsSql } from '../checks/check-sql';
import { DynamoLayout } from '../dynamodb/layout';
import { ACTIVE_PARTITION_EXCEEDED } from '../firehose/partition-keys';
import { LOCAL_WAREHOUSE_FILE } from '../loading/config';
import type { LocalEnvironment } from '../local/local-environment';
import type { CheckSpec } from '../pipeline/check-spec';
import { LakeLayout } from '../pipeline/lake-layout';
import type { Pipeline, StreamSpec } from '../pipeline/pipeline';
import { replayBatches } from '../replay/replay';
import { readReplayBatches } from '../replay/replay-source';
import { streamLakeRelation } from '../rewrite/lake-sql';
import { DuckDb } from '../standins/athena/duckdb';
import type { LocalAthena } from '../standins/athena/local-athena';
import { ON_FAILURE_PREFIX } from '../standins/lambda/local-stream-mapping';
import { stepSubject } from '../standins/stepfunctions/local-state-machine';
import { getBytes, listKeys } from '../storage/object-store';
import { renderSql } from '../transforms/sql-template';
import { FIREHOSE_BUFFER } from './faults';
import { recordKey } from './record-key';
import type { SimulatedWorld } from './world';

/** A broken promise: which, when (virtual time) and what was seen. */
export interface Violation {
  readonly invariant: string;
  readonly at: string;
  readonly detail: string;
}

export interface Invariants {
  before(state: string, input: unknown): Promise<void>;
  after(state: string, input: unknown, output: unknown): Promise<void>;
  replay(world: SimulatedWorld, replayed: Set<string>): Promise<void>;
  /** Every transform output's rows, as one text per table, to compare runs. */
  tableContents(): Promise<Map<string, string>>;
}

const QUERY_TARGET = /^\s*CREATE\s+TABLE\s+(?:"[^"]+"\.)?"([^"]+)"/i;

const at = () => new Date().toISOString();

async function rowsText(athena: LocalAthena, sql: string): Promise<string[]> {
  const { rows } = await athena.query(sql);
  return rows.map((row) => JSON.stringify(row)).sort();
}

/**
 * What the daily pipeline promises, checked as the simulated executions run: a transform never
 * reads a snapshot before all of its export's files are flattened; each transform output equals
 * its SQL recomputed over what its sources held, every keyed record counted once; a load carries
 * no day whose `error` checks do not pass.
 */
export function pipelineInvariants(
  pipeline: Pipeline,
  environment: LocalEnvironment,
  athena: LocalAthena,
  violations: Violation[],
): Invariants {
  const { store, lakeBucket, rawBucket, database } = environment;
  const violate = (invariant: string, detail: string) => violations.push({ invariant, at: at(), detail });
  const snapshotTables = new Map(pipeline.dynamodb.map((t) => [DynamoLayout.snapshotTable(t.name), t.name]));
  /** Per load: the rows its last query carried, and the BI table those loads should have made. */
  const carried = new Map<string, Array<Record<string, unknown>>>();
  const expectedTables = new Map<string, Map<string, string>>();
  const warehouse = join(environment.root, LOCAL_WAREHOUSE_FILE);
  const embedded = () =>
    !process.env.TRIBUTARY_MYSQL_URL && !process.env.TRIBUTARY_POSTGRES_URL && existsSync(warehouse);
  const text = (row: Record<string, unknown>) =>
    JSON.stringify(
      Object.entries(row).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]),
    );

  /** The exports this execution started, by table: the snapshots its transforms must wait for. */
  const exportsOfRun = new Map<string, string>();

  /** Every data file of the run's export of `table` has its Parquet in the lake (or its quarantine file). */
  const snapshotComplete = async (transform: string, snapshot: string, table: string) => {
    const prefix = exportsOfRun.get(table);
    if (!prefix) return;
    const exported = await listKeys(store, rawBucket, prefix);
    const present = new Set([
      ...(await listKeys(store, lakeBucket, LakeLayout.table(snapshot))),
      // quarantined lines sit beside their data file in the raw bucket
      ...exported.filter((k) => k.endsWith(DynamoLayout.quarantineSuffix)),
    ]);
    const missing: string[] = [];
    let files = 0;
    for (const manifest of exported.filter((k) => k.endsWith('manifest-files.json'))) {
      const lines = (await getBytes(store, rawBucket, manifest)).toString('utf8').split('\n').filter(Boolean);
      for (const line of lines) {
        const source = DynamoLayout.classify((JSON.parse(line) as { dataFileS3Key: string }).dataFileS3Key);
        if (source.kind === 'other') continue;
        files++;
        if (
          !present.has(DynamoLayout.outputKey(source)) &&
          !present.has(DynamoLayout.quarantineKey(source))
        ) {
          missing.push(source.name);
        }
      }
    }
    if (missing.length > 0) {
      violate(
        'no transform reads a snapshot before every data file of its export is flattened',
        `${transform} read ${snapshot} while ${missing.length} of ${files} data files of this run's export (${prefix}) were not flattened yet`,
      );
    }
  };

  /** The transform's SQL over its sources with every keyed stream record once. */
  const reference = (transform: Pipeline['transforms'][number], days: readonly string[]) => {
    let text = transform.sqlText;
    for (const source of transform.sources) {
      const stream = pipeline.streams.find((s) => s.name === source && s.keys.length > 0);
      if (!stream) continue;
      // the stream's rows as stored (rewritten days from their generation), each distinct row once
      text = text.replaceAll(
        new RegExp(`\\{\\{\\s*table:${source}\\s*\\}\\}`, 'g'),
        `(SELECT DISTINCT * FROM ${streamLakeRelation(database, stream)})`,
      );
    }
    const sorted = [...days].sort();
    const sql = renderSql(text, {
      database,
      from: sorted[0] ?? '1970-01-01',
      to: sorted.at(-1) ?? '1970-01-01',
    });
    return transform.partitionedBy.includes('dt')
      ? `SELECT * FROM (${sql}) AS reference WHERE dt IN (${sorted.map((d) => `'${d}'`).join(', ')})`
      : sql;
  };

  return {
    async before(state, input) {
      if (state === 'Plan run') exportsOfRun.clear();
      if (state === 'Start DynamoDB export') {
        const { TableArn, S3Prefix } = input as { TableArn: string; S3Prefix: string };
        const table = pipeline.dynamodb.find((t) => TableArn.endsWith(`-${t.name}`));
        if (table) exportsOfRun.set(table.name, S3Prefix);
      }
      if (state !== 'Run CTAS') return;
      const name = stepSubject(input);
      const transform = pipeline.transforms.find((t) => t.name === name);
      for (const source of transform?.sources ?? []) {
        const table = snapshotTables.get(source);
        if (table) await snapshotComplete(transform!.name, source, table);
      }
    },

    async after(state, input, _output) {
      if (state === 'Run CTAS') {
        const { QueryString } = input as { QueryString: string };
        const target = QUERY_TARGET.exec(QueryString)?.[1];
        const transform = pipeline.transforms.find((t) => target?.startsWith(`${t.name}__run_`));
        if (!target || !transform) return;
        const byDay = transform.partitionedBy.includes('dt');
        const days = byDay
          ? (await athena.query(`SELECT DISTINCT dt FROM "${target}"`)).rows.map((r) => String(r.dt))
          : [];
        if (byDay && days.length === 0) return;
        const wrote = await rowsText(athena, `SELECT * FROM "${target}"`);
        const expected = await rowsText(athena, reference(transform, days));
        if (wrote.join('\n') !== expected.join('\n')) {
          violate(
            'each transform output equals its SQL over its sources, every keyed record counted once',
            `${transform.name} wrote ${wrote.length} rows for ${days.join(', ') || 'all days'}; recomputed once per key: ${expected.length} rows; first difference: ${firstDifference(wrote, expected)}`,
          );
        }
        return;
      }
      if (state === 'Load into database') {
        const { load: name } = input as { load: string };
        const load = pipeline.loads.find((l) => l.name === name);
        const rows = carried.get(name);
        if (!load || !rows || !embedded()) return;
        const keyOfRow = (row: Record<string, unknown>) =>
          JSON.stringify(load.keys.map((k) => String(row[k])));
        const expected =
          load.mode === 'merge'
            ? (expectedTables.get(name) ?? new Map<string, string>())
            : new Map<string, string>();
        for (const row of rows)
          expected.set(load.mode === 'merge' ? keyOfRow(row) : `${expected.size}`, text(row));
        expectedTables.set(name, expected);
        const duck = await DuckDb.open(warehouse);
        let actual: string[];
        try {
          actual = (await duck.query(`SELECT * FROM "${load.table}"`)).rows.map(text).sort();
        } finally {
          duck.close();
        }
        const want = [...expected.values()].sort();
        if (actual.join('\n') !== want.join('\n')) {
          violate(
            'each BI table equals what its loads carried',
            `${load.table} after ${load.name} (${load.mode}) has ${actual.length} rows; the loads carried ${want.length}; first difference: ${firstDifference(actual, want)}`,
          );
        }
        return;
      }
      if (state === 'Run load query') {
        const { QueryString } = input as { QueryString: string };
        const load = pipeline.loads.find((l) => QueryString.includes(`"${l.transform}"`));
        if (!load) return;
        carried.set(load.name, [...(await athena.query(QueryString)).rows]);
        const checks = pipeline.checks.filter(
          (c: CheckSpec) => c.table === load.transform && c.severity === 'error',
        );
        const transform = pipeline.transforms.find((t) => t.name === load.transform);
        if (checks.length === 0 || !transform?.partitionedBy.includes('dt')) return;
        const days = (await athena.query(`SELECT DISTINCT dt FROM (${QueryString}) AS carried`)).rows.map(
          (r) => String(r.dt),
        );
        for (const day of days) {
          for (const check of checks) {
            const failing = failingRowsSql(pipeline, check, { database, from: day, to: day });
            const { rows } = await athena.query(`SELECT count(*) AS n FROM (${failing}) AS failing`);
            if (Number(rows[0]?.n ?? 0) > 0) {
              violate(
                'a load never carries a day whose error checks did not pass',
                `${load.name} carried ${transform.name} dt=${day}, which fails check ${check.name}`,
              );
            }
          }
        }
      }
    },

    async replay(world, replayed) {
      const located = [
        ...(await listKeys(store, lakeBucket, 'errors/')).map((key) => ({ bucket: lakeBucket, key })),
        ...(await quarantineKeys(environment)).map((key) => ({ bucket: rawBucket, key })),
        ...(await listKeys(store, rawBucket, ON_FAILURE_PREFIX)).map((key) => ({ bucket: rawBucket, key })),
      ].filter(({ bucket, key }) => !replayed.has(`${bucket}/${key}`));
      if (located.length === 0) return;
      for (const { bucket, key } of located) replayed.add(`${bucket}/${key}`);
      const files = located.map(({ bucket, key }) => ({
        name: key,
        read: () => getBytes(store, bucket, key),
      }));
      const batches = await readReplayBatches(files, pipeline, { onProblem: () => undefined });
      const replaysOverflow = located.some(({ key }) => key.includes(`/${ACTIVE_PARTITION_EXCEEDED}/`));
      const overflowBefore = world.activePartitionExceeded;
      await replayBatches(batches, pipeline, {
        sendToStreamFunction: async (records) => {
          const table = records[0] ? world.tableOf(records[0]) : undefined;
          if (table) await world.deliverChanges(table, records);
        },
        // a deployed replay waits for Firehose to deliver one group before it sends the next
        betweenPartitionGroups: () => world.scheduler.advance(FIREHOSE_BUFFER.intervalMs * 1.5),
        sendToStream: async (stream: string, records: readonly Buffer[]) => {
          const spec = pipeline.streams.find((s) => s.name === stream);
          for (const record of records) {
            let key: string | undefined;
            try {
              key = spec
                ? recordKey(spec, JSON.parse(record.toString('utf8')) as Record<string, unknown>)
                : undefined;
            } catch {
              key = undefined;
            }
            await world.putRecord(stream, record, key);
          }
        },
        putRawObject: (key: string, body: Buffer) => store.put(rawBucket, key, body),
      });
      if (replaysOverflow) {
        // the documented way back for records over the limit is a replay: it must not overflow again
        await world.scheduler.advance(FIREHOSE_BUFFER.intervalMs * 1.5);
        const again = world.activePartitionExceeded - overflowBefore;
        if (again > 0) {
          violate(
            'a record held back for a passing reason reaches the lake after a replay',
            `replaying what waited for too many active partitions sent ${again} records over the limit again`,
          );
        }
      }
    },

    async tableContents() {
      const contents = new Map<string, string>();
      for (const transform of pipeline.transforms) {
        contents.set(
          transform.name,
          (await rowsText(athena, `SELECT * FROM "${transform.name}"`)).join('\n'),
        );
      }
      return contents;
    },
  };
}

/** Every quarantine file, beside its change or export file in the raw bucket. */
async function quarantineKeys(environment: LocalEnvironment): Promise<string[]> {
  const { store, rawBucket } = environment;
  const keys = [
    ...(await listKeys(store, rawBucket, DynamoLayout.rawPrefix)),
    ...(await listKeys(store, rawBucket, DynamoLayout.exportsPrefix)),
  ];
  return keys.filter((k) => k.endsWith(DynamoLayout.quarantineSuffix));
}

function firstDifference(a: readonly string[], b: readonly string[]): string {
  const missing = b.find((row) => !a.includes(row));
  if (missing) return `expected ${missing}`;
  const extra = a.find((row) => !b.includes(row));
  return extra ? `unexpected ${extra}` : 'the same rows, counted differently';
}

/** The codes and keys of records waiting under a stream's error prefix. */
async function waitingRecords(
  environment: LocalEnvironment,
  stream: StreamSpec,
): Promise<Map<string, string>> {
  const { store, lakeBucket } = environment;
  const waiting = new Map<string, string>();
  for (const key of await listKeys(store, lakeBucket, LakeLayout.firehoseErrors(stream.name))) {
    let body = await getBytes(store, lakeBucket, key);
    if (body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
    for (const line of body.toString('utf8').split('\n').filter(Boolean)) {
      try {
        const entry = JSON.parse(line) as { rawData?: string; errorCode?: string };
        const record = JSON.parse(Buffer.from(entry.rawData ?? '', 'base64').toString('utf8'));
        const key = recordKey(stream, record as Record<string, unknown>);
        if (key) waiting.set(key, entry.errorCode ?? 'unknown');
      } catch {
        // a record that is not JSON waits too, but names no key to account for
      }
    }
  }
  return waiting;
}

/**
 * Nothing lost: every record a producer sent is in its lake table or waits, with its reason, where
 * a replay finds it; every change a table made is in its change table, quarantined, or parked.
 */
export async function checkDelivery(
  world: SimulatedWorld,
  athena: LocalAthena,
  violations: Violation[],
  _lastDay: string,
): Promise<void> {
  const { environment, pipeline } = world;
  const violate = (invariant: string, detail: string) => violations.push({ invariant, at: at(), detail });
  for (const stream of pipeline.streams) {
    if (stream.keys.length === 0) continue;
    const columns = stream.keys.map((k) => `CAST("${k}" AS varchar) AS "${k}"`).join(', ');
    const { rows } = await athena.query(`SELECT DISTINCT ${columns} FROM "${stream.name}"`);
    const inLake = new Set(rows.map((row) => JSON.stringify(stream.keys.map((k) => row[k]))));
    const waiting = await waitingRecords(environment, stream);
    const lost: string[] = [];
    const stuck: string[] = [];
    for (const key of world.sentKeys.get(stream.name) ?? []) {
      if (inLake.has(key)) continue;
      const code = waiting.get(key);
      if (code === undefined) lost.push(key);
      else if (/partition/i.test(code)) stuck.push(`${key} (${code})`);
    }
    if (lost.length > 0) {
      violate(
        'every record sent is in its lake table or waits where replay finds it',
        `${stream.name}: ${lost.length} of ${world.sentKeys.get(stream.name)?.size} records are neither in the lake nor waiting, e.g. ${lost.slice(0, 3).join(', ')}`,
      );
    }
    if (stuck.length > 0) {
      violate(
        'a record held back for a passing reason reaches the lake after a replay',
        `${stream.name}: ${stuck.length} records still wait after the replay, e.g. ${stuck.slice(0, 3).join(', ')}`,
      );
    }
  }
  for (const table of pipeline.dynamodb) {
    const changes = DynamoLayout.changesTable(table.name);
    const { rows } = await athena.query(`SELECT DISTINCT CAST(_seq AS varchar) AS seq FROM "${changes}"`);
    // the change table keeps sequence numbers zero-padded to sort as text
    const accounted = new Set(rows.map((r) => String(r.seq).replace(/^0+(?=\d)/, '')));
    for (const seq of world.parkedChanges.get(table.name) ?? []) accounted.add(seq);
    const { store, rawBucket } = environment;
    for (const key of await quarantineKeys(environment)) {
      if (DynamoLayout.quarantinedLakeTable(key) !== changes) continue;
      const text = (await getBytes(store, rawBucket, key)).toString('utf8');
      for (const match of text.matchAll(/SequenceNumber\\?":\\?"(\d+)/g)) accounted.add(match[1]!);
    }
    const failedRanges = world.failedNotifications
      .map((f) => /-(\d+)-(\d+)\.ndjson\.gz$/.exec(f.key))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [BigInt(m[1]!), BigInt(m[2]!)] as const);
    const lost = (world.changeSequences.get(table.name) ?? []).filter(
      (seq) => !accounted.has(seq) && !failedRanges.some(([a, b]) => BigInt(seq) >= a && BigInt(seq) <= b),
    );
    if (lost.length > 0) {
      violate(
        'every change is in its change table, quarantined, or parked where replay finds it',
        `${table.name}: ${lost.length} of ${world.changeSequences.get(table.name)?.length} changes are nowhere, e.g. ${lost.slice(0, 3).join(', ')}`,
      );
    }
  }
}

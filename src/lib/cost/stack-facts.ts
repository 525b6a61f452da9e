/**
 * The settings of a stage's stack that its bill depends on. src/infra/cost-facts.ts reads them
 * from the same resources `sls deploy` creates (buffering hints, lifecycle rules, alarms, secrets)
 * and from serverless.yml (memory sizes), so the estimate never holds copies of them.
 */

/** One S3 lifecycle rule, as far as storage cost goes. */
export interface LifecycleRule {
  /** Key prefix the rule applies to; '' for the whole bucket. */
  readonly prefix: string;
  readonly expirationDays?: number;
  /** Days an object's old version is kept after it stops being current (versioned buckets). */
  readonly noncurrentDays?: number;
  readonly transitionToIaDays?: number;
}

export interface StackFacts {
  readonly stage: string;
  readonly region: string;
  /** Runs of the daily pipeline a month, from its schedule (0 with the schedule off). */
  readonly runsPerMonth: number;
  readonly firehose: {
    readonly bufferMB: number;
    readonly bufferSeconds: number;
    /** The transform Lambda's batch: Firehose invokes it per this many MB or seconds. */
    readonly processorBufferMB: number;
    readonly processorBufferSeconds: number;
    /** The raw copy of what was sent (S3 backup), buffered on its own. */
    readonly backupBufferMB: number;
    readonly backupBufferSeconds: number;
  };
  readonly lifecycle: {
    readonly lake: readonly LifecycleRule[];
    readonly raw: readonly LifecycleRule[];
    readonly results: readonly LifecycleRule[];
  };
  /** Memory of each Lambda function in MB, by its serverless.yml name. */
  readonly lambdaMemoryMB: Readonly<Record<string, number>>;
  /** Records per DynamoDB stream Lambda invocation at most. */
  readonly streamBatchSize: number;
  /** Seconds the stream's event source mapping gathers records before it invokes the Lambda. */
  readonly streamBatchingWindowSeconds: number;
  readonly alarms: number;
  /** Secrets the stack reads: created by it (hash key) or named in its params (BI database). */
  readonly secrets: number;
  /** Customer managed KMS keys the params name (buckets, secrets). */
  readonly kmsKeys: number;
  /** Whether the buckets use a customer managed key (SSE-KMS), so S3 requests reach KMS. */
  readonly bucketsUseKms: boolean;
  /** Tables and databases in the Glue catalog (partition projection: no partitions stored). */
  readonly catalogTables: number;
  /** Whether the stage loads into a BI database (the plan skips loads without one). */
  readonly loads: boolean;
  /** Raw prefixes whose copies hold what privacy rules remove (shorter expiry), for the output. */
  readonly privateRawRetentionDays: number;
}

/** Days an object of a daily flow spends in each storage class before it is gone. */
export interface Retention {
  /** Days in S3 Standard; Infinity when nothing expires it. */
  readonly standardDays: number;
  readonly iaDays: number;
}

/** How long an object at `key` is billed, under the rules that match it (the strictest wins). */
export function retentionOf(rules: readonly LifecycleRule[], key: string): Retention {
  const matching = rules.filter((rule) => key.startsWith(rule.prefix));
  const least = (values: (number | undefined)[]) =>
    Math.min(...values.filter((v): v is number => v !== undefined), Number.POSITIVE_INFINITY);
  const expiration = least(matching.map((r) => r.expirationDays));
  const noncurrent = least(matching.map((r) => r.noncurrentDays));
  const transition = least(matching.map((r) => r.transitionToIaDays));
  // the buckets are versioned: an expired current version stays as an old version until the
  // noncurrent rule removes it (without one, for ever)
  const life = expiration + noncurrent;
  if (transition >= expiration) return { standardDays: life, iaDays: 0 };
  return { standardDays: transition, iaDays: life - transition };
}

/**
 * How unkind the simulated AWS is: each rate is the chance of one documented behaviour per
 * occasion, and each delay range what AWS's pages allow. `docs/aws-rules.md` (section
 * "Time and delivery") cites the page behind every one.
 */
export interface FaultRates {
  /** S3 event notifications: delivered twice (at least once). */
  readonly notificationDuplicate: number;
  /** ...and delivered late: this share takes 1 to 5 minutes instead of seconds. */
  readonly notificationLate: number;
  /** An asynchronous or stream invocation killed before it does anything (throttle, crash). */
  readonly killBefore: number;
  /** ...or after its work but before it returns (a timeout), so its work is redone on retry. */
  readonly killAfter: number;
  /** Athena refuses a StartQueryExecution with TooManyRequestsException. */
  readonly athenaThrottle: number;
  /** A producer retries a record it already sent (a lost acknowledgement). */
  readonly producerDuplicate: number;
  /** An event sent hours to days after its event time (an offline client). */
  readonly lateEvent: number;
  /** A late event whose values break an `error` data check of the transforms that read it. */
  readonly badLateEvent: number;
  /** A DynamoDB change the stream Lambda cannot take (it reports it as a batch item failure). */
  readonly poisonChange: number;
  /** A day on which one offline device sends a backlog spanning more than 500 hours. */
  readonly backlogDay: number;
  /** A day on which someone re-runs today's pipeline by hand, twice, hours apart. */
  readonly rerunToday: number;
  /**
   * A compaction of a day whose late records are in Firehose's buffer when it starts: they land
   * in the day while Athena rewrites it, or just after (and more of them hours later).
   */
  readonly compactionLateDelivery: number;
  /** ...and among them copies of records the day already holds (Firehose delivers at least once). */
  readonly compactionDuplicateDelivery: number;
  /** A lake rewrite or clean-up killed at a random write: its consumed list, plan, summary, the flip, or amid deletions. */
  readonly rewriteKill: number;
  /** Another rewrite of a day (a `tributary compact` by hand) flips its pointer between a round's Prepare and its Commit. */
  readonly competingRewrite: number;
  /** A compaction's CTAS fails after writing some of its files (Athena reports the query FAILED). */
  readonly compactionQueryFailure: number;
  /** A clean-up of a compacted day run on its own, minutes to 30 hours later: before its grace period has passed, or after. */
  readonly cleanupRun: number;
}

export const DEFAULT_FAULTS: FaultRates = {
  notificationDuplicate: 0.1,
  notificationLate: 0.15,
  killBefore: 0.05,
  killAfter: 0.05,
  athenaThrottle: 0.1,
  producerDuplicate: 0.05,
  lateEvent: 0.04,
  badLateEvent: 0.1,
  poisonChange: 0.01,
  backlogDay: 0.25,
  rerunToday: 0.3,
  compactionLateDelivery: 0.4,
  compactionDuplicateDelivery: 0.5,
  rewriteKill: 0.2,
  competingRewrite: 0.1,
  compactionQueryFailure: 0.1,
  cleanupRun: 0.5,
};

/** AWS Lambda retries a failed asynchronous invocation twice, a minute then two minutes later. */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/** Firehose buffering hints as the stack sets them: flush at this size or this age, whichever first. */
export const FIREHOSE_BUFFER = { bytes: 64 * 1024 * 1024, intervalMs: 300_000 } as const;

/** How long Athena takes to rewrite a day (the compaction's CTAS): seconds to ten minutes, longer than a buffer interval. */
export const COMPACTION_QUERY_MS = [10_000, 600_000] as const;

/** When a clean-up runs on its own after a compaction: from minutes to two days, about half of them past the grace period (a day). */
export const CLEANUP_DELAY_MS = [600_000, 48 * 3_600_000] as const;

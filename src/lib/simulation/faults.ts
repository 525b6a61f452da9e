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
};

/** AWS Lambda retries a failed asynchronous invocation twice, a minute then two minutes later. */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/** Firehose buffering hints as the stack sets them: flush at this size or this age, whichever first. */
export const FIREHOSE_BUFFER = { bytes: 64 * 1024 * 1024, intervalMs: 300_000 } as const;

/**
 * Every AWS price `tributary cost` uses, per region, in US dollars: the one place prices live.
 *
 * Each price says where it was read and when. `read` is the date the stored copy of the page was
 * consulted; `checked` says what that copy showed:
 * - `page`: the number itself was on the cited AWS pricing page (or its localized copy);
 * - `secondary`: the number was in a dated public write-up quoting that page, not on the page copy;
 * - `unverified`: no stored copy carried the number; the value is the public list price as last
 *   known and must be checked on the cited page before it is relied on.
 * AWS changes prices rarely but per region; `tributary cost` prints how many prices it used that
 * are not `page`-checked, so nobody takes an estimate for a quote.
 */

export const PRICE_REGIONS = ['us-east-1', 'ap-northeast-1'] as const;
export type PriceRegion = (typeof PRICE_REGIONS)[number];

export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly url: string;
  readonly read: string;
  readonly checked: 'page' | 'secondary' | 'unverified';
  /** What the stored copy said, or why no number was found there. */
  readonly note?: string;
}

/** Always-free monthly allowances (per account and region, shared with anything else in it). */
export interface FreeTier {
  readonly quantity: number;
  readonly unit: string;
  readonly url: string;
}

const READ = '2026-12-05';

const URL = {
  firehose: 'https://aws.amazon.com/firehose/pricing/',
  s3: 'https://aws.amazon.com/s3/pricing/',
  lambda: 'https://aws.amazon.com/lambda/pricing/',
  athena: 'https://aws.amazon.com/athena/pricing/',
  stepFunctions: 'https://aws.amazon.com/step-functions/pricing/',
  glue: 'https://aws.amazon.com/glue/pricing/',
  dynamodb: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  secrets: 'https://aws.amazon.com/secrets-manager/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
} as const;

/**
 * What a search of the stored AWS pages (docs and pages corpora, 2026-12-05) found for a price it
 * could not confirm: the pricing pages' copies, in English, Japanese and other languages, carry their
 * price tables as unrendered `{priceOf!…}` tokens, and no docs.aws.amazon.com page states the number.
 */
function notOnPage(what: string, found?: string): string {
  return `searched the stored copies of the pricing page (en, jp and other languages) and docs.aws.amazon.com for ${what}: the tables there are unrendered price tokens, no number${found ? `; ${found}` : ''}`;
}

function price(usd: number, unit: string, url: string, checked: Price['checked'], note?: string): Price {
  return { usd, unit, url, read: READ, checked, ...(note ? { note } : {}) };
}

/** The names of the prices an estimate needs; every region gives all of them. */
export interface RegionPrices {
  readonly firehoseIngestionPerGB: Price;
  readonly firehoseFormatConversionPerGB: Price;
  readonly firehoseDynamicPartitioningPerGB: Price;
  readonly firehoseDynamicPartitioningPer1000Objects: Price;
  readonly s3StandardPerGBMonth: Price;
  readonly s3StandardIaPerGBMonth: Price;
  readonly s3PutPer1000: Price;
  readonly s3GetPer1000: Price;
  readonly s3TransitionToIaPer1000: Price;
  readonly lambdaArmPerGBSecond: Price;
  readonly lambdaPerMillionRequests: Price;
  readonly athenaPerTBScanned: Price;
  readonly stepFunctionsPer1000Transitions: Price;
  readonly glueCatalogPer100kObjectsMonth: Price;
  readonly glueCatalogPerMillionRequests: Price;
  readonly dynamodbExportPerGB: Price;
  readonly cloudwatchAlarmPerMonth: Price;
  readonly cloudwatchLogsIngestionPerGB: Price;
  readonly secretsManagerPerSecretMonth: Price;
  readonly secretsManagerPer10kCalls: Price;
  readonly kmsPerKeyMonth: Price;
  readonly kmsPer10kRequests: Price;
}

/** Prices that are the same in both regions, as the cited pages list them. */
const SHARED = {
  lambdaPerMillionRequests: price(
    0.2,
    'per 1M requests',
    URL.lambda,
    'secondary',
    notOnPage('the request price', 'write-ups quoting the page give $0.20 per 1M for x86 and Arm alike'),
  ),
  athenaPerTBScanned: price(
    5,
    'per TB scanned (rounded up to the MB, 10 MB minimum per query)',
    'https://aws.amazon.com/jp/athena/pricing/',
    'page',
    'the Japanese page: 5 USD per TB scanned, rounded up to the megabyte, 10 MB minimum per query; DDL and failed queries free',
  ),
  stepFunctionsPer1000Transitions: price(
    0.025,
    'per 1,000 state transitions (Standard workflows)',
    URL.stepFunctions,
    'page',
    'the page lists $0.0250 for both US East (N. Virginia) and Asia Pacific (Tokyo)',
  ),
  glueCatalogPer100kObjectsMonth: price(
    1,
    'per 100,000 objects stored per month, above the free million',
    URL.glue,
    'secondary',
    notOnPage(
      'the storage price',
      'the Glue and Lake Formation pages state the free million objects, not the price above it',
    ),
  ),
  glueCatalogPerMillionRequests: price(
    1,
    'per 1M requests, above the free million',
    'https://aws.amazon.com/cn/lake-formation/pricing/',
    'page',
    'the Lake Formation pricing page (English text) prices the Glue Data Catalog in a worked example: two million requests in a month bill one million above the free tier, which is $1; the example names no region',
  ),
  cloudwatchAlarmPerMonth: price(
    0.1,
    'per standard-resolution alarm metric per month',
    URL.cloudwatch,
    'secondary',
    notOnPage(
      'the alarm price',
      'the page states the free 10 alarm metrics; a cost tool quoting it gives $0.10',
    ),
  ),
  secretsManagerPerSecretMonth: price(
    0.4,
    'per secret per month',
    URL.secrets,
    'secondary',
    notOnPage(
      'the per-secret price',
      'a dated transcription of the page quotes $0.40 from its pricing examples',
    ),
  ),
  secretsManagerPer10kCalls: price(
    0.05,
    'per 10,000 API calls',
    URL.secrets,
    'secondary',
    notOnPage(
      'the API call price',
      'a dated transcription of the page quotes $0.05 from its pricing examples',
    ),
  ),
  kmsPerKeyMonth: price(
    1,
    'per customer managed key per month',
    URL.kms,
    'page',
    'each KMS key you create costs $1/month; AWS managed and AWS owned keys are free',
  ),
  kmsPer10kRequests: price(
    0.03,
    'per 10,000 requests, above 20,000 free a month',
    URL.kms,
    'secondary',
    notOnPage('the request price', 'the page states the 20,000 free requests a month; write-ups quote $0.03'),
  ),
  s3TransitionToIaPer1000: price(
    0.01,
    'per 1,000 lifecycle transitions to Standard-IA',
    URL.s3,
    'unverified',
    notOnPage('the transition price'),
  ),
} as const;

export const PRICES: Readonly<Record<PriceRegion, RegionPrices>> = {
  'us-east-1': {
    ...SHARED,
    firehoseIngestionPerGB: price(
      0.029,
      'per GB ingested (Direct PUT, first 500 TB/month), each record rounded up to 5 KB',
      URL.firehose,
      'unverified',
      notOnPage('the US East ingestion price', 'the page states the 5 KB rounding per record'),
    ),
    firehoseFormatConversionPerGB: price(
      0.018,
      'per GB converted to Parquet, counted in 5 KB increments',
      URL.firehose,
      'unverified',
      notOnPage('the format conversion price'),
    ),
    firehoseDynamicPartitioningPerGB: price(
      0.02,
      'per GB delivered to S3',
      URL.firehose,
      'unverified',
      notOnPage('the dynamic partitioning per-GB price'),
    ),
    firehoseDynamicPartitioningPer1000Objects: price(
      0.005,
      'per 1,000 S3 objects delivered',
      URL.firehose,
      'unverified',
      notOnPage('the dynamic partitioning per-object price'),
    ),
    s3StandardPerGBMonth: price(
      0.023,
      'per GB-month, S3 Standard, first 50 TB',
      URL.s3,
      'secondary',
      notOnPage(
        'the S3 Standard storage price',
        'a 2026 cost guide quoting the page gives $0.023 for US East',
      ),
    ),
    s3StandardIaPerGBMonth: price(
      0.0125,
      'per GB-month, S3 Standard-IA',
      URL.s3,
      'secondary',
      notOnPage(
        'the Standard-IA storage price',
        'a 2026 cost guide quoting the page gives $0.0125 for US East',
      ),
    ),
    s3PutPer1000: price(
      0.005,
      'per 1,000 PUT, COPY, POST, LIST requests (Standard)',
      URL.s3,
      'unverified',
      notOnPage('the PUT price'),
    ),
    s3GetPer1000: price(
      0.0004,
      'per 1,000 GET and other requests (Standard)',
      URL.s3,
      'secondary',
      notOnPage('the GET price', 'a write-up on Athena costs quotes $0.4 per million GETs in most regions'),
    ),
    lambdaArmPerGBSecond: price(
      0.0000133334,
      'per GB-second, Arm, first 7.5 billion GB-s/month',
      URL.lambda,
      'secondary',
      notOnPage(
        'the US East Arm duration price',
        'dated write-ups quoting the page give $0.0000133334 for the first 7.5 billion GB-s',
      ),
    ),
    dynamodbExportPerGB: price(
      0.1,
      'per GB of table size exported to S3 (full export)',
      URL.dynamodb,
      'unverified',
      notOnPage('the export price'),
    ),
    cloudwatchLogsIngestionPerGB: price(
      0.5,
      'per GB of logs ingested (standard class)',
      URL.cloudwatch,
      'unverified',
      notOnPage('the logs ingestion price'),
    ),
  },
  'ap-northeast-1': {
    ...SHARED,
    firehoseIngestionPerGB: price(
      0.036,
      'per GB ingested (Direct PUT, first 500 TB/month), each record rounded up to 5 KB',
      URL.firehose,
      'unverified',
      notOnPage('the Tokyo ingestion price', 'the page states the 5 KB rounding per record'),
    ),
    firehoseFormatConversionPerGB: price(
      0.022,
      'per GB converted to Parquet, counted in 5 KB increments',
      URL.firehose,
      'unverified',
      notOnPage('the format conversion price'),
    ),
    firehoseDynamicPartitioningPerGB: price(
      0.024,
      'per GB delivered to S3',
      URL.firehose,
      'unverified',
      notOnPage('the dynamic partitioning per-GB price'),
    ),
    firehoseDynamicPartitioningPer1000Objects: price(
      0.006,
      'per 1,000 S3 objects delivered',
      URL.firehose,
      'unverified',
      notOnPage('the dynamic partitioning per-object price'),
    ),
    s3StandardPerGBMonth: price(
      0.025,
      'per GB-month, S3 Standard, first 50 TB',
      URL.s3,
      'secondary',
      notOnPage(
        'the S3 Standard storage price',
        'dated write-ups (2018, 2022) quoting the page give $0.025 for Tokyo',
      ),
    ),
    s3StandardIaPerGBMonth: price(
      0.0138,
      'per GB-month, S3 Standard-IA',
      URL.s3,
      'unverified',
      notOnPage('the Standard-IA storage price'),
    ),
    s3PutPer1000: price(
      0.0047,
      'per 1,000 PUT, COPY, POST, LIST requests (Standard)',
      URL.s3,
      'unverified',
      notOnPage('the PUT price'),
    ),
    s3GetPer1000: price(
      0.00037,
      'per 1,000 GET and other requests (Standard)',
      URL.s3,
      'unverified',
      notOnPage('the GET price'),
    ),
    lambdaArmPerGBSecond: price(
      0.0000133334,
      'per GB-second, Arm, first 7.5 billion GB-s/month',
      URL.lambda,
      'unverified',
      notOnPage('the Tokyo Arm duration price', 'the US East rate is assumed here'),
    ),
    dynamodbExportPerGB: price(
      0.114,
      'per GB of table size exported to S3 (full export)',
      URL.dynamodb,
      'unverified',
      notOnPage('the export price'),
    ),
    cloudwatchLogsIngestionPerGB: price(
      0.76,
      'per GB of logs ingested (standard class)',
      URL.cloudwatch,
      'unverified',
      notOnPage('the logs ingestion price'),
    ),
  },
};

/** The always-free allowances the estimate can say it would use up. */
export const FREE_TIERS = {
  lambdaRequests: { quantity: 1_000_000, unit: 'requests per month', url: URL.lambda },
  lambdaGBSeconds: { quantity: 400_000, unit: 'GB-seconds per month', url: URL.lambda },
  stepFunctionsTransitions: { quantity: 4_000, unit: 'state transitions per month', url: URL.stepFunctions },
  glueObjects: { quantity: 1_000_000, unit: 'objects stored', url: URL.glue },
  glueRequests: { quantity: 1_000_000, unit: 'requests per month', url: URL.glue },
  cloudwatchAlarms: { quantity: 10, unit: 'standard-resolution alarm metrics', url: URL.cloudwatch },
  cloudwatchLogsGB: { quantity: 5, unit: 'GB of logs (ingestion, storage, scans)', url: URL.cloudwatch },
} as const satisfies Record<string, FreeTier>;

export class UnpricedRegionError extends Error {
  override readonly name = 'UnpricedRegionError';
  constructor(readonly region: string) {
    super(
      `no prices for region ${region}: src/lib/cost/prices.ts has ${PRICE_REGIONS.join(', ')} (add the region's prices there, each with its page)`,
    );
  }
}

export function regionPrices(region: string): RegionPrices {
  if (!isPriceRegion(region)) throw new UnpricedRegionError(region);
  return PRICES[region];
}

/** Whether this file has prices for a region. */
export function isPriceRegion(region: string): region is PriceRegion {
  return (PRICE_REGIONS as readonly string[]).includes(region);
}

/**
 * How Athena turns a query's scanned bytes into billed bytes, in every region: whole megabytes
 * (10^6 bytes) rounded up, at least 10 MB for a query that scans anything. The per-TB dollars are
 * each region's `athenaPerTBScanned`.
 */
export const ATHENA_SCAN_BILLING = {
  /** A query is billed in whole megabytes (10^6 bytes), rounded up. */
  billingUnitBytes: 1_000_000,
  /** Every query that scans anything is billed at least this much. */
  minimumBytes: 10_000_000,
  /** Athena's price is per terabyte of 10^12 bytes. */
  terabyteBytes: 1e12,
  url: 'https://aws.amazon.com/jp/athena/pricing/',
  read: READ,
  checked: 'page',
  note: 'rounded up to the megabyte, 10 MB minimum per query; DDL and failed queries are not billed',
} as const;

/** What Athena bills per TB scanned in a region: for per-query dollars, from this one price file. */
export function athenaUsdPerTB(region: string): number {
  return regionPrices(region).athenaPerTBScanned.usd;
}

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import type { ObjectStore } from '../../storage/object-store';

/** What ExportTableToPointInTime is asked, as the plan step writes it. */
export interface ExportRequest {
  readonly TableArn: string;
  readonly S3Bucket: string;
  readonly S3Prefix: string;
  readonly ExportFormat: string;
  readonly ExportTime: string;
  readonly ClientToken: string;
}

export interface ExportDescription {
  readonly ExportArn: string;
  readonly ExportStatus: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  readonly ItemCount: number;
}

/** Items per export data file; DynamoDB writes several files per export too. */
const ITEMS_PER_FILE = 500;
/** Point-in-time recovery keeps the last 35 days, up to about five minutes ago. */
const RECOVERY_PERIOD_MS = 35 * 86_400_000;
const RECOVERY_LAG_MS = 5 * 60_000;
/** How long DynamoDB holds a client token to the parameters of the request that first used it. */
const CLIENT_TOKEN_WINDOW_MS = 8 * 3_600_000;

export interface LocalDynamoTableOptions {
  /** The clock the table answers by (milliseconds); the real one unless a test sets it. */
  readonly now?: () => number;
  /** When point-in-time recovery was enabled; the first change the table saw unless given. */
  readonly recoveryEnabledAt?: number;
}

function dynamoError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name: `DynamoDb.${name}` });
}

/** Every parameter of the request but the token, as DynamoDB compares a reused token's request. */
function requestParameters(request: ExportRequest): string {
  return JSON.stringify([
    request.TableArn,
    request.S3Bucket,
    request.S3Prefix,
    request.ExportFormat,
    request.ExportTime,
  ]);
}

/**
 * A DynamoDB table on this machine: the fold of the stream records the local run sent, so that
 * its point-in-time export holds exactly the items those changes leave behind. Exports are written
 * as DynamoDB writes them: `AWSDynamoDB/<export id>/data/*.json.gz` with `{"Item": …}` lines, plus
 * the manifest files.
 */
export class LocalDynamoTable {
  private readonly items = new Map<string, unknown>();
  private readonly exports = new Map<string, ExportDescription>();
  /** client token → the parameters of the request that first used it, and when it completed */
  private readonly tokens = new Map<string, { parameters: string; completedAt: number }>();
  private readonly now: () => number;
  private readonly createdAt: number;
  private firstChangeAt: number | undefined;

  constructor(
    readonly tableArn: string,
    private readonly options: LocalDynamoTableOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.createdAt = this.now();
  }

  /**
   * The recovery window as DynamoDB describes it: from when recovery was enabled, or 35 days ago
   * if later, to about five minutes ago.
   */
  recoveryWindow(): { readonly earliest: number; readonly latest: number } {
    const enabledAt = this.options.recoveryEnabledAt ?? this.firstChangeAt ?? this.createdAt;
    const now = this.now();
    return { earliest: Math.max(enabledAt, now - RECOVERY_PERIOD_MS), latest: now - RECOVERY_LAG_MS };
  }

  /** DescribeContinuousBackups' answer, timestamps as ISO text. */
  describeContinuousBackups() {
    const { earliest, latest } = this.recoveryWindow();
    return {
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: {
          PointInTimeRecoveryStatus: 'ENABLED',
          EarliestRestorableDateTime: new Date(earliest).toISOString(),
          LatestRestorableDateTime: new Date(latest).toISOString(),
        },
      },
    };
  }

  get size(): number {
    return this.items.size;
  }

  apply(record: DynamoDBRecord): void {
    const change = record.dynamodb;
    if (!change?.Keys) return;
    if (this.firstChangeAt === undefined && change.ApproximateCreationDateTime !== undefined)
      this.firstChangeAt = change.ApproximateCreationDateTime * 1000;
    const key = JSON.stringify(Object.entries(change.Keys).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (record.eventName === 'REMOVE') this.items.delete(key);
    else if (change.NewImage) this.items.set(key, change.NewImage);
  }

  async exportToPointInTime(request: ExportRequest, store: ObjectStore): Promise<ExportDescription> {
    if (request.TableArn !== this.tableArn) {
      throw Object.assign(new Error(`Table not found: ${request.TableArn}`), {
        name: 'DynamoDb.TableNotFoundException',
      });
    }
    const parameters = requestParameters(request);
    const used = this.tokens.get(request.ClientToken);
    if (used && used.parameters !== parameters && this.now() - used.completedAt < CLIENT_TOKEN_WINDOW_MS) {
      throw dynamoError(
        'ImportConflictException',
        `Client token ${request.ClientToken} was used within the last 8 hours for a request with other parameters`,
      );
    }
    const exportTime = Date.parse(request.ExportTime);
    const window = this.recoveryWindow();
    if (!(exportTime >= window.earliest && exportTime <= window.latest)) {
      throw dynamoError(
        'InvalidExportTimeException',
        `Export time ${request.ExportTime} is outside the point in time recovery window (${new Date(window.earliest).toISOString()} to ${new Date(window.latest).toISOString()})`,
      );
    }
    // ClientToken makes the call idempotent, as in DynamoDB: the same token is the same export
    const exportId = `${String(exportTime).padStart(14, '0')}-${createHash('sha256').update(request.ClientToken).digest('hex').slice(0, 8)}`;
    const exportArn = `${this.tableArn}/export/${exportId}`;
    const existing = this.exports.get(exportArn);
    if (existing && used?.parameters === parameters) return existing;

    const base = `${request.S3Prefix}AWSDynamoDB/${exportId}/`;
    const items = [...this.items.values()];
    const chunks: unknown[][] = [];
    for (let start = 0; start < items.length; start += ITEMS_PER_FILE) {
      chunks.push(items.slice(start, start + ITEMS_PER_FILE));
    }
    if (chunks.length === 0) chunks.push([]);
    const files: Array<{ dataFileS3Key: string; itemCount: number }> = [];
    for (const chunk of chunks) {
      const key = `${base}data/${exportId.slice(-8)}${String(files.length).padStart(4, '0')}.json.gz`;
      const body = chunk.map((item) => `${JSON.stringify({ Item: item })}\n`).join('');
      await store.put(request.S3Bucket, key, gzipSync(body));
      files.push({ dataFileS3Key: key, itemCount: chunk.length });
    }
    await store.put(
      request.S3Bucket,
      `${base}manifest-files.json`,
      files.map((file) => JSON.stringify(file)).join('\n'),
    );
    await store.put(
      request.S3Bucket,
      `${base}manifest-summary.json`,
      JSON.stringify({
        version: '2020-06-30',
        exportArn,
        tableArn: this.tableArn,
        exportTime: request.ExportTime,
        s3Bucket: request.S3Bucket,
        s3Prefix: request.S3Prefix,
        outputFormat: 'DYNAMODB_JSON',
        itemCount: items.length,
      }),
    );
    const description: ExportDescription = {
      ExportArn: exportArn,
      ExportStatus: 'COMPLETED',
      ItemCount: items.length,
    };
    this.exports.set(exportArn, description);
    this.tokens.set(request.ClientToken, { parameters, completedAt: this.now() });
    return description;
  }

  describeExport(exportArn: string): ExportDescription {
    const description = this.exports.get(exportArn);
    if (!description) {
      throw Object.assign(new Error(`Export not found: ${exportArn}`), {
        name: 'DynamoDb.ExportNotFoundException',
      });
    }
    return description;
  }
}

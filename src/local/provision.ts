/**
 * Creates the local stack's resources the way Terraform creates them on AWS: per queue entry of
 * terraform/queue-settings.json a DLQ and a main queue with a redrive policy, one bucket, one table with the key design
 * of src/adapters/dynamo-table.ts. Idempotent: running it against existing resources converges them.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { TABLE_KEYS } from '../adapters/dynamo-table.ts';
import type { LocalClients } from './clients.ts';
import { loadQueueSettings, type QueueSetting, type QueueSettings } from './queue-settings.ts';

export const DEFAULT_BUCKET_NAME = 'telecast-local-media';
export const DEFAULT_TABLE_NAME = 'telecast-local';

export interface ProvisionOptions {
  /** Prepended to every queue, bucket and table name (lets several stacks share one emulator). */
  prefix?: string;
  /** Defaults to terraform/queue-settings.json. */
  settings?: QueueSettings;
  /**
   * Per queue key (`collection`, `processing`): a visibility timeout to use instead of the settings' one. Tests use
   * 1–2 s so that a failed record comes back at once rather than after 720 or 5400 s; the JSON stays untouched.
   */
  visibilityTimeoutSeconds?: Partial<Record<string, number>>;
  bucketName?: string;
  tableName?: string;
}

export interface ProvisionedQueue {
  /** Key in the settings file (`collection`, `processing`). */
  key: string;
  name: string;
  url: string;
  arn: string;
  dlqName: string;
  dlqUrl: string;
  dlqArn: string;
  /** The settings entry, with `visibility_timeout_seconds` as actually provisioned (override applied). */
  settings: QueueSetting;
}

export interface Resources {
  queues: Record<string, ProvisionedQueue>;
  bucket: string;
  table: string;
}

/** SDK error names may carry the service's namespace (`AWS.SimpleQueueService.QueueNameExists`). */
function isErrorNamed(error: unknown, ...names: string[]): boolean {
  const e = error as { name?: string; Code?: string } | undefined;
  const seen = [e?.name ?? '', e?.Code ?? ''].map((n) => n.split('.').pop());
  return names.some((name) => seen.includes(name));
}

async function ensureQueue(clients: LocalClients, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  let url: string;
  try {
    url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  } catch (error) {
    // CreateQueue is idempotent only for identical attributes; a changed override or settings file lands here.
    if (!isErrorNamed(error, 'QueueNameExists', 'QueueAlreadyExists')) throw error;
    url = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: Attributes!.QueueArn! };
}

async function ensureBucket(clients: LocalClients, bucket: string): Promise<void> {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch {
    // not there yet
  }
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!isErrorNamed(error, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw error;
  }
}

export function tableDefinition(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, statusIndex } = TABLE_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: statusIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: statusIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: statusIndex.name,
        KeySchema: [
          { AttributeName: statusIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: statusIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

async function ensureTable(clients: LocalClients, tableName: string): Promise<void> {
  try {
    await clients.dynamodb.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException) && !isErrorNamed(error, 'ResourceInUseException')) throw error;
  }
  // dynalite runs with createTableMs 0, but a table made by someone else's emulator settings may still be CREATING.
  for (let i = 0; i < 100; i++) {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/** Creates (or converges) every queue pair, the bucket and the table; returns their names, URLs and ARNs. */
export async function provision(clients: LocalClients, options: ProvisionOptions = {}): Promise<Resources> {
  const prefix = options.prefix ?? '';
  const settings = options.settings ?? loadQueueSettings();
  const queues: Record<string, ProvisionedQueue> = {};
  for (const [key, queue] of Object.entries(settings)) {
    const visibility = options.visibilityTimeoutSeconds?.[key] ?? queue.visibility_timeout_seconds;
    const dlqName = prefix + queue.dlq_name;
    const dlq = await ensureQueue(clients, dlqName, { MessageRetentionPeriod: String(queue.dlq_message_retention_seconds) });
    const name = prefix + queue.name;
    const main = await ensureQueue(clients, name, {
      VisibilityTimeout: String(visibility),
      MessageRetentionPeriod: String(queue.message_retention_seconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: queue.max_receive_count }),
    });
    queues[key] = {
      key,
      name,
      url: main.url,
      arn: main.arn,
      dlqName,
      dlqUrl: dlq.url,
      dlqArn: dlq.arn,
      settings: { ...queue, visibility_timeout_seconds: visibility },
    };
  }
  const bucket = prefix + (options.bucketName ?? DEFAULT_BUCKET_NAME);
  await ensureBucket(clients, bucket);
  const table = prefix + (options.tableName ?? DEFAULT_TABLE_NAME);
  await ensureTable(clients, table);
  return { queues, bucket, table };
}

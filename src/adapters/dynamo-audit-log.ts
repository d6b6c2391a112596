/** AuditLog over the one DynamoDB table: pk "AUDIT", sk "<iso time>#<random>", so a reverse query is newest first. */
import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditLog } from '../core/ports.ts';
import { AUDIT_PARTITION, TABLE_KEYS } from './dynamo-table.ts';

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    // The random suffix keeps two actions in the same millisecond apart.
    const sk = `${entry.at}#${randomBytes(6).toString('hex')}`;
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { ...entry, [TABLE_KEYS.partitionKey]: AUDIT_PARTITION, [TABLE_KEYS.sortKey]: sk } }),
    );
  }

  async list(options: { limit?: number; before?: string } = {}): Promise<AuditEntry[]> {
    const before = options.before !== undefined;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: before ? '#pk = :pk AND #sk < :before' : '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, ...(before ? { '#sk': TABLE_KEYS.sortKey } : {}) },
        ExpressionAttributeValues: { ':pk': AUDIT_PARTITION, ...(before ? { ':before': options.before } : {}) },
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
      }),
    );
    return (out.Items ?? []).map(({ [TABLE_KEYS.partitionKey]: _pk, [TABLE_KEYS.sortKey]: _sk, ...entry }) => entry as AuditEntry);
  }
}

/** ChannelProgress over the table (key design in dynamo-table.ts): one item per podcast and channel. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { normaliseChannel } from '../core/channels.ts';
import type { ChannelProgress } from '../core/ports.ts';
import { TABLE_KEYS, channelPartition } from './dynamo-table.ts';

export class DynamoChannelProgress implements ChannelProgress {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(podcastId: string, channel: string): Record<string, string> {
    return { [TABLE_KEYS.partitionKey]: channelPartition(podcastId), [TABLE_KEYS.sortKey]: normaliseChannel(channel) };
  }

  async lastTaken(podcastId: string, channel: string): Promise<number | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: this.key(podcastId, channel), ConsistentRead: true }));
    const lastId = out.Item?.last_id;
    return typeof lastId === 'number' ? lastId : undefined;
  }

  async advance(podcastId: string, channel: string, lastId: number, episodeId: string): Promise<void> {
    try {
      // Raised only: a redelivered or late episode never lowers the mark another episode raised.
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(podcastId, channel),
          ConditionExpression: 'attribute_not_exists(#last_id) OR #last_id < :id',
          UpdateExpression: 'SET #last_id = :id, #episode_id = :episode, #marked_at = :now',
          ExpressionAttributeNames: { '#last_id': 'last_id', '#episode_id': 'episode_id', '#marked_at': 'marked_at' },
          ExpressionAttributeValues: { ':id': lastId, ':episode': episodeId, ':now': new Date().toISOString() },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

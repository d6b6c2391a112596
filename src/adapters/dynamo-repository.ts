/** PodcastRepository and EpisodeRepository over one DynamoDB table (key design in dynamo-table.ts). */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { parsePodcastConfig, type PodcastConfig } from '../core/contracts.ts';
import {
  CLAIM_RULES,
  CLEARED_ON_CLAIM,
  CLEARED_ON_SETTLE,
  TIMELINE_ONLY,
  TRANSITIONS,
  settles,
  timelineEntry,
  type Episode,
  type EpisodePublication,
  type TransitionChanges,
  type TransitionName,
} from '../core/episodes/status.ts';
import { ConflictError, DownstreamError, NotFoundError, errorMessage } from '../core/errors.ts';
import type { EpisodeKey, EpisodeRepository, InFlightMarker, PodcastRepository, TransitionGuard } from '../core/ports.ts';
import { IN_FLIGHT_PARTITION, PODCAST_PARTITION, TABLE_KEYS, episodePartition } from './dynamo-table.ts';

type Item = Record<string, unknown>;

/**
 * Every write of an episode records a token of its own in the same conditional update. When a response is lost, the
 * SDK retries the write, and the retry's condition fails against the state its first try wrote: a record that carries
 * the retry's token is that first try's work, so the write succeeded. Another caller's write carries another token.
 */
const WRITE_TOKEN = 'write_token';

function stripKeys<T>(item: Item): T {
  const { [TABLE_KEYS.partitionKey]: _pk, [TABLE_KEYS.sortKey]: _sk, [WRITE_TOKEN]: _token, ...rest } = item;
  return rest as T;
}

async function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput, limit?: number): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...((page.Items ?? []) as Item[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey && (limit === undefined || items.length < limit));
  return limit === undefined ? items : items.slice(0, limit);
}

export class DynamoPodcastRepository implements PodcastRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(config: PodcastConfig): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...config, [TABLE_KEYS.partitionKey]: PODCAST_PARTITION, [TABLE_KEYS.sortKey]: config.podcast_id },
      }),
    );
  }

  async get(podcastId: string): Promise<PodcastConfig | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEYS.partitionKey]: PODCAST_PARTITION, [TABLE_KEYS.sortKey]: podcastId }, ConsistentRead: true }),
    );
    return out.Item ? this.parse(out.Item) : undefined;
  }

  async list(): Promise<{ podcasts: PodcastConfig[]; invalid: Array<{ podcast_id: string; error: string }> }> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
      ExpressionAttributeValues: { ':pk': PODCAST_PARTITION },
      ConsistentRead: true,
    });
    const podcasts: PodcastConfig[] = [];
    const invalid: Array<{ podcast_id: string; error: string }> = [];
    for (const item of items) {
      try {
        podcasts.push(this.parse(item));
      } catch (error) {
        invalid.push({ podcast_id: String(item[TABLE_KEYS.sortKey]), error: errorMessage(error) });
      }
    }
    return { podcasts, invalid };
  }

  /**
   * Stored configs are re-validated on read so defaults added since they were written are filled in; one stored before
   * podcasts named a voice engine was spoken by espeak-ng, and keeps it (a new English podcast defaults to Flite).
   */
  private parse(item: Item): PodcastConfig {
    return parsePodcastConfig(stripKeys(item), { voice_engine: 'espeak' });
  }
}

export class DynamoEpisodeRepository implements EpisodeRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(k: EpisodeKey): Item {
    return { [TABLE_KEYS.partitionKey]: episodePartition(k.podcastId), [TABLE_KEYS.sortKey]: k.episodeId };
  }

  async create(episode: Episode): Promise<void> {
    const key = this.key({ podcastId: episode.podcast_id, episodeId: episode.episode_id });
    const token = randomUUID();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...episode, ...key, [WRITE_TOKEN]: token },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        if ((await this.raw(key))?.[WRITE_TOKEN] === token) return; // our own create, retried after a lost response
        throw new ConflictError(`episode ${episode.podcast_id}/${episode.episode_id} already exists`, undefined, error);
      }
      throw error;
    }
  }

  async get(k: EpisodeKey): Promise<Episode | undefined> {
    const item = await this.raw(this.key(k));
    return item ? stripKeys<Episode>(item) : undefined;
  }

  private async raw(key: Item): Promise<Item | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return out.Item as Item | undefined;
  }

  async listForPodcast(podcastId: string, options: { limit?: number; before?: string } = {}): Promise<Episode[]> {
    const before = options.before !== undefined;
    const items = await queryAll(
      this.db,
      {
        TableName: this.tableName,
        KeyConditionExpression: before ? '#pk = :pk AND #sk < :before' : '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, ...(before ? { '#sk': TABLE_KEYS.sortKey } : {}) },
        ExpressionAttributeValues: { ':pk': episodePartition(podcastId), ...(before ? { ':before': options.before } : {}) },
        ScanIndexForward: false,
        ConsistentRead: true,
        ...(options.limit ? { Limit: options.limit } : {}),
      },
      options.limit,
    );
    return items.map((item) => stripKeys<Episode>(item));
  }

  async latestChannelEpisode(podcastId: string, options: { status?: Episode['status']; before?: string } = {}): Promise<Episode | undefined> {
    // Newest first, filtered server-side: whatever came after the one we want is passed over.
    const names: Record<string, string> = { '#pk': TABLE_KEYS.partitionKey, '#trigger': 'trigger' };
    const values: Record<string, unknown> = { ':pk': episodePartition(podcastId), ':direct': 'direct' };
    const filters = ['#trigger <> :direct'];
    let keyCondition = '#pk = :pk';
    if (options.before) {
      names['#sk'] = TABLE_KEYS.sortKey;
      values[':before'] = options.before;
      keyCondition += ' AND #sk < :before';
    }
    if (options.status) {
      names['#status'] = 'status';
      values[':status'] = options.status;
      filters.push('#status = :status');
    }
    // queryAll pages on until it has one: the filter applies after the read, so a page may come back empty.
    const [item] = await queryAll(
      this.db,
      {
        TableName: this.tableName,
        KeyConditionExpression: keyCondition,
        FilterExpression: filters.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      1,
    );
    return item ? stripKeys<Episode>(item) : undefined;
  }

  async apply(name: TransitionName, k: EpisodeKey, changes: TransitionChanges, now: Date, guard: TransitionGuard = {}): Promise<Episode> {
    const episode = await this.transition(name, k, changes, now, guard);
    // Settled: the podcast's in-flight place is free again. A crash before this line leaves a marker that points at a
    // settled episode, which the next start takes over (start-episode.ts).
    if (settles(name) && episode.trigger !== 'direct') await this.releaseInFlight(k.podcastId, k.episodeId);
    return episode;
  }

  private async transition(name: TransitionName, k: EpisodeKey, changes: TransitionChanges, now: Date, guard: TransitionGuard): Promise<Episode> {
    const t = TRANSITIONS[name];
    const rule = CLAIM_RULES[name];
    const names: Record<string, string> = { '#pk': TABLE_KEYS.partitionKey, '#status': 'status' };
    const values: Record<string, unknown> = { ':to': t.to, ':now': now.toISOString() };

    // The condition is the status machine itself: one clause per state this transition may leave.
    const clauses: string[] = [];
    t.from.forEach((from, i) => {
      values[`:from${i}`] = from;
      if (rule && from === rule.reclaimAfterLease) {
        names['#lease'] = 'lease_expires_at';
        clauses.push(`(#status = :from${i} AND (attribute_not_exists(#lease) OR #lease < :now))`);
      } else if (rule && from === 'failed') {
        const refs = rule.retryFailedStages.map((s, j) => ((values[`:stage${j}`] = s), `:stage${j}`));
        names['#failed_stage'] = 'failed_stage';
        clauses.push(`(#status = :from${i} AND #failed_stage IN (${refs.join(', ')}))`);
      } else {
        clauses.push(`#status = :from${i}`);
      }
    });

    const guards: string[] = [];
    if (guard.updatedAt !== undefined) {
      names['#updated_at'] = 'updated_at';
      values[':seen'] = guard.updatedAt;
      guards.push('#updated_at = :seen');
    }
    if (guard.leaseExpired) {
      names['#lease'] = 'lease_expires_at';
      guards.push('(attribute_not_exists(#lease) OR #lease < :now)');
    }

    // Every attribute goes through a name placeholder: several of ours (status, error, …) are DynamoDB reserved words.
    names['#updated_at'] = 'updated_at';
    names['#write_token'] = WRITE_TOKEN;
    const token = randomUUID();
    values[':token'] = token;
    // The history grows in the same conditional update, so it never shows a transition that did not happen (a lost
    // response retried is recognised by its write token above and appends nothing twice).
    names['#timeline'] = 'timeline';
    values[':entry'] = [timelineEntry(name, changes, now)];
    values[':empty'] = [];
    const sets = ['#status = :to', '#updated_at = :now', '#write_token = :token', '#timeline = list_append(if_not_exists(#timeline, :empty), :entry)'];
    const removes: string[] = [];
    for (const [field, value] of Object.entries(changes)) {
      if (field === 'status' || field === 'updated_at' || field === 'timeline' || TIMELINE_ONLY.includes(field) || value === undefined) continue;
      names[`#f_${field}`] = field;
      values[`:f_${field}`] = value;
      sets.push(`#f_${field} = :f_${field}`);
    }
    if (rule) {
      values[':one'] = 1;
      values[':zero'] = 0;
      names['#attempts'] = 'attempts';
      names['#counter'] = rule.counter;
      // Both read the stage counter's old value: the stage's count goes up by one and `attempts` shows it.
      sets.push('#counter = if_not_exists(#counter, :zero) + :one', '#attempts = if_not_exists(#counter, :zero) + :one');
      removes.push(...CLEARED_ON_CLAIM.filter((f) => !(f in changes)));
    } else {
      removes.push(...CLEARED_ON_SETTLE.filter((f) => !(f in changes)));
    }
    const removeRefs = removes.map((f) => ((names[`#r_${f}`] = f), `#r_${f}`));

    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(k),
          ConditionExpression: [`attribute_exists(#pk)`, `(${clauses.join(' OR ')})`, ...guards].join(' AND '),
          UpdateExpression: `SET ${sets.join(', ')}${removeRefs.length ? ` REMOVE ${removeRefs.join(', ')}` : ''}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stripKeys<Episode>(out.Attributes ?? {});
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw new DownstreamError(`DynamoDB update for ${name} failed: ${errorMessage(error)}`, { cause: error });
      }
      const item = await this.raw(this.key(k));
      if (!item) throw new NotFoundError(`episode ${k.podcastId}/${k.episodeId} does not exist`, error);
      const current = stripKeys<Episode>(item);
      if (item[WRITE_TOKEN] === token) return current; // our own write, retried after a lost response
      throw new ConflictError(
        `cannot ${name} episode ${k.podcastId}/${k.episodeId}: it is ${current.status}`,
        current.status,
        error,
      );
    }
  }

  private markerKey(podcastId: string): Item {
    return { [TABLE_KEYS.partitionKey]: IN_FLIGHT_PARTITION, [TABLE_KEYS.sortKey]: podcastId };
  }

  async reserveInFlight(podcastId: string, episodeId: string, now: Date, replacing?: string): Promise<InFlightMarker | undefined> {
    const key = this.markerKey(podcastId);
    const token = randomUUID();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, episode_id: episodeId, since: now.toISOString(), [WRITE_TOKEN]: token },
          ConditionExpression: replacing === undefined ? 'attribute_not_exists(#pk)' : '#episode_id = :holder',
          ExpressionAttributeNames: replacing === undefined ? { '#pk': TABLE_KEYS.partitionKey } : { '#episode_id': 'episode_id' },
          ...(replacing === undefined ? {} : { ExpressionAttributeValues: { ':holder': replacing } }),
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const holder = await this.raw(key);
      if (holder?.[WRITE_TOKEN] === token) return undefined; // ours, retried after a lost response
      // Released between our write and our read: report the place as just taken, the caller may try again.
      return holder ? { episode_id: String(holder.episode_id), since: String(holder.since) } : { episode_id: '', since: now.toISOString() };
    }
  }

  async releaseInFlight(podcastId: string, episodeId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.markerKey(podcastId),
          ConditionExpression: '#episode_id = :episode',
          ExpressionAttributeNames: { '#episode_id': 'episode_id' },
          ExpressionAttributeValues: { ':episode': episodeId },
        }),
      );
    } catch (error) {
      // Not held by this episode (already released, or taken over): nothing to give back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async noteError(k: EpisodeKey, message: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(k),
          ConditionExpression: 'attribute_exists(#pk)',
          UpdateExpression: 'SET #last_error = :e',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#last_error': 'last_error' },
          ExpressionAttributeValues: { ':e': message.slice(0, 2000) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async setPublication(k: EpisodeKey, publication: EpisodePublication | undefined, now: Date): Promise<Episode> {
    const names = { '#pk': TABLE_KEYS.partitionKey, '#status': 'status', '#publication': 'publication', '#updated': 'updated_at', '#withdrawn': 'withdrawn_at' };
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(k),
          // Only a completed episode has audio to publish; a withdrawal also needs it completed (nothing else is public).
          ConditionExpression: 'attribute_exists(#pk) AND #status = :completed',
          UpdateExpression: publication ? 'SET #publication = :p, #updated = :now REMOVE #withdrawn' : 'SET #withdrawn = :now, #updated = :now REMOVE #publication',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':completed': 'completed', ':now': now.toISOString(), ...(publication ? { ':p': publication } : {}) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stripKeys<Episode>(out.Attributes as Item);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await this.get(k);
      if (!current) throw new NotFoundError(`unknown episode ${k.podcastId}/${k.episodeId}`);
      throw new ConflictError(`episode ${k.podcastId}/${k.episodeId} is ${current.status}: only a completed episode can be published or withdrawn`, current.status);
    }
  }

  async listByStatus(status: Episode['status'], updatedBefore: string): Promise<Episode[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: TABLE_KEYS.statusIndex.name,
      KeyConditionExpression: '#status = :status AND #updated < :before',
      ExpressionAttributeNames: { '#status': TABLE_KEYS.statusIndex.partitionKey, '#updated': TABLE_KEYS.statusIndex.sortKey },
      ExpressionAttributeValues: { ':status': status, ':before': updatedBefore },
    });
    return items.map((item) => stripKeys<Episode>(item));
  }
}

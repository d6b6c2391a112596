/**
 * The documents one stage hands to the next, each built here and only here, and validated on the way out as on the
 * way in (their JSON Schemas are in schemas.ts; contracts.ts parses them):
 *
 *   scheduler / operator ─ collection request ─► telegram ─ content.json (S3) + processing message ─► podcastfy
 *
 * A producer bug fails at the producer, loudly, with the episode still where it was, not in the consumer's DLQ.
 */
import { normaliseChannel } from './channels.ts';
import {
  parseCollectionRequest,
  parseEpisodeContent,
  parseProcessingMessage,
  type ChannelStats,
  type CollectionRequest,
  type CollectionSummary,
  type PodcastConfig,
  type ProcessingMessage,
  type Trigger,
} from './contracts.ts';
import type { Episode } from './episodes/status.ts';
import { episodeKey } from './keys.ts';
import type { ChannelPost, EpisodeContent, TimeWindow } from './ports.ts';

/** The collection request for an episode (scheduler or operator → telegram). */
export function collectionRequestFor(episode: Pick<Episode, 'podcast_id' | 'episode_id' | 'created_at'>, trigger: Trigger): CollectionRequest {
  return parseCollectionRequest({
    schema_version: 1,
    podcast_id: episode.podcast_id,
    episode_id: episode.episode_id,
    trigger,
    requested_at: episode.created_at,
  });
}

/**
 * content.json from the kept posts of every channel: oldest first, as a listener hears them; the same post (channel and
 * id) once, however many pages or channels yielded it.
 */
export function episodeContentFor(
  podcast: Pick<PodcastConfig, 'podcast_id' | 'telegram_channels'>,
  episode: Pick<Episode, 'episode_id'>,
  window: TimeWindow,
  posts: readonly ChannelPost[],
  collectedAt: Date,
  channelStats?: readonly ChannelStats[],
): EpisodeContent {
  const seen = new Set<string>();
  const unique = posts.filter((p) => {
    const key = `${normaliseChannel(p.channel)}#${p.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
  return parseEpisodeContent({
    schema_version: 1,
    podcast_id: podcast.podcast_id,
    episode_id: episode.episode_id,
    channels: podcast.telegram_channels.map(normaliseChannel),
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    collected_at: collectedAt.toISOString(),
    ...(channelStats ? { channel_stats: channelStats } : {}),
    posts: unique,
  });
}

/** content.json of a direct `{ podcast_id, text }` episode: the text is its one post, from the `direct` channel. */
export function directContentFor(episode: Pick<Episode, 'podcast_id' | 'episode_id' | 'timestamp'>, text: string, collectedAt: Date): EpisodeContent {
  return parseEpisodeContent({
    schema_version: 1,
    podcast_id: episode.podcast_id,
    episode_id: episode.episode_id,
    channels: ['direct'],
    window: { from: episode.timestamp, to: episode.timestamp },
    collected_at: collectedAt.toISOString(),
    posts: [{ channel: 'direct', id: 1, date: episode.timestamp, text, links: [], media: [] }],
  });
}

/** The small summary that rides in the processing message; the content itself stays in S3 (claim check). */
export function collectionSummaryOf(episode: Pick<Episode, 'podcast_id' | 'episode_id'>, content: EpisodeContent): CollectionSummary {
  return {
    channels: content.channels,
    message_count: content.posts.length,
    window_from: content.window.from,
    window_to: content.window.to,
    content_key: episodeKey(episode.podcast_id, episode.episode_id, 'content'),
    ...(content.channel_stats ? { channel_stats: content.channel_stats } : {}),
  };
}

/**
 * The processing message (telegram → podcastfy): the seed's format plus `schema_version`, `podcast_id`, `episode_id`;
 * `newScriptRequestedAt` (an operator's redrive) adds `new_script`.
 */
export function processingMessageFor(
  episode: Pick<Episode, 'podcast_id' | 'episode_id' | 'timestamp' | 's3_path'>,
  result: CollectionSummary,
  options: { newScriptRequestedAt?: Date } = {},
): ProcessingMessage {
  return parseProcessingMessage({
    schema_version: 1,
    podcast_config_id: episode.podcast_id,
    podcast_id: episode.podcast_id,
    episode_id: episode.episode_id,
    result,
    // Always the episode's creation time, also in an operator's new-script message: it is an identity field.
    timestamp: episode.timestamp,
    s3_path: episode.s3_path,
    ...(options.newScriptRequestedAt ? { new_script: { requested_at: options.newScriptRequestedAt.toISOString() } } : {}),
  });
}

/**
 * Whether a hand-off message (possibly invalid) proves to be about `episode`: every identity field it carries matches
 * the episode's record (podcast, episode, creation time, folder). A forged or mistaken message that names a real
 * episode with another podcast's `s3_path` is dead-lettered without touching that episode.
 */
export function messageBelongsTo(message: unknown, episode: Pick<Episode, 'podcast_id' | 'episode_id' | 'timestamp' | 's3_path' | 'created_at'>): boolean {
  if (message === null || typeof message !== 'object') return false;
  const m = message as Record<string, unknown>;
  const expected: Record<string, string> = {
    podcast_id: episode.podcast_id,
    podcast_config_id: episode.podcast_id,
    episode_id: episode.episode_id,
    timestamp: episode.timestamp,
    requested_at: episode.created_at,
    s3_path: episode.s3_path,
  };
  const named = Object.keys(expected).filter((field) => m[field] !== undefined);
  return m.episode_id === episode.episode_id && named.every((field) => m[field] === expected[field]);
}

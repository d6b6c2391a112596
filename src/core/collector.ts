/**
 * The telegram stage: claim the episode, read the window from every channel, write content.json, mark `collected`,
 * hand the episode to the generator. Idempotent under redelivery (see the inline notes).
 */
import { buildContent, collectionWindow, preparePost } from './collect.ts';
import { parseProcessingMessage, type CollectionRequest, type CollectionSummary, type ProcessingMessage } from './contracts.ts';
import { canApply, type Episode } from './episode.ts';
import { ConflictError, DownstreamError, NotFoundError, NotReadyError } from './errors.ts';
import type { ChannelPost, ChannelReader, Clock, EpisodeContent, EpisodeRepository, ObjectStore, PodcastRepository, QueueSender } from './ports.ts';
import { EPISODE_FILES, channelExportPrefix, episodeKey } from './time.ts';

export interface CollectorDeps {
  podcasts: PodcastRepository;
  episodes: EpisodeRepository;
  objects: ObjectStore;
  queue: QueueSender;
  reader: ChannelReader;
  clock: Clock;
  processingQueueUrl: string;
}

export type CollectionResult =
  | { outcome: 'collected'; episode: Episode; messageCount: number; dropped: Record<string, number> }
  | { outcome: 'skipped'; episode: Episode; reason: string }
  | { outcome: 'already-done'; episode: Episode };

/** The small summary that rides in the processing message; the content itself stays in S3 (claim check). */
export function summarise(episode: Pick<Episode, 'podcast_id' | 'episode_id'>, content: EpisodeContent): CollectionSummary {
  return {
    channels: content.channels,
    message_count: content.posts.length,
    window_from: content.window.from,
    window_to: content.window.to,
    content_key: episodeKey(episode.podcast_id, episode.episode_id, 'content'),
  };
}

export function processingMessageFor(episode: Episode, result: CollectionSummary): ProcessingMessage {
  return {
    schema_version: 1,
    podcast_config_id: episode.podcast_id,
    podcast_id: episode.podcast_id,
    episode_id: episode.episode_id,
    result,
    timestamp: episode.timestamp,
    s3_path: episode.s3_path,
  };
}

/** Validated on the way out as on the way in: a producer bug fails here, with the episode still collectable. */
async function sendProcessing(deps: CollectorDeps, message: ProcessingMessage): Promise<void> {
  await deps.queue.send(deps.processingQueueUrl, parseProcessingMessage(message), { podcast_id: message.podcast_id, episode_id: message.episode_id });
}

/**
 * Collects one episode. `leaseSeconds` bounds how long this claim is exclusive (the function's remaining time):
 * a redelivery after a crash may take the episode over once it has passed.
 */
export async function collectEpisode(deps: CollectorDeps, request: CollectionRequest, leaseSeconds: number): Promise<CollectionResult> {
  const key = { podcastId: request.podcast_id, episodeId: request.episode_id };
  const podcast = await deps.podcasts.get(request.podcast_id);
  if (!podcast) throw new NotFoundError(`unknown podcast "${request.podcast_id}"`);
  const current = await deps.episodes.get(key);
  if (!current) throw new NotFoundError(`unknown episode ${request.podcast_id}/${request.episode_id}`);

  // A redelivered (or redriven) request for an episode whose content is already collected: hand it to the generator
  // again. That covers a stop between `collected` and the send, and an episode that then failed at generating (the
  // generator may retry a generating failure); the generator's conditional claim makes a duplicate harmless.
  const handedOver = current.status === 'collected' || (current.status === 'failed' && current.failed_stage === 'generating');
  if (handedOver && current.result) {
    await sendProcessing(deps, processingMessageFor(current, current.result));
    return { outcome: 'already-done', episode: current };
  }
  if (!canApply('claimCollection', current, deps.clock.now())) {
    if (current.status === 'collecting') throw new NotReadyError(`episode is being collected by another delivery until ${current.lease_expires_at}`);
    if (current.status === 'failed') {
      // Acknowledging would delete the operator's only handle on this episode; keep it dead-lettered with the reason.
      throw new ConflictError(`episode failed at stage ${current.failed_stage ?? 'unknown'} and cannot be collected again: ${current.error ?? ''}`, current.status);
    }
    return { outcome: 'already-done', episode: current };
  }

  let now = deps.clock.now();
  const lastCompleted = await deps.episodes.latestChannelEpisode(podcast.podcast_id, { status: 'completed', before: current.episode_id });
  const window = collectionWindow(podcast, new Date(current.timestamp), lastCompleted);
  const claimed = await claim(deps, key, window, now, leaseSeconds);

  const posts: ChannelPost[] = [];
  const dropped: Record<string, number> = {};
  for (const channel of podcast.telegram_channels) {
    try {
      for await (const page of deps.reader.read(channel, window)) {
        for (const raw of page) {
          const decision = preparePost(raw, podcast, window);
          if (decision.post) posts.push(decision.post);
          else if (decision.dropped) dropped[decision.dropped] = (dropped[decision.dropped] ?? 0) + 1;
        }
      }
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof DownstreamError) throw error;
      throw new DownstreamError(`reading channel ${channel} failed`, { cause: error });
    }
  }

  now = deps.clock.now();
  if (posts.length === 0) {
    const reason = `no new posts in ${podcast.telegram_channels.join(', ')} between ${window.from.toISOString()} and ${window.to.toISOString()}`;
    const episode = await deps.episodes.apply('markSkipped', key, { skip_reason: reason }, now);
    return { outcome: 'skipped', episode, reason };
  }

  const content = buildContent(podcast, claimed, window, await withMedia(deps, claimed, posts), now);
  const result = summarise(claimed, content);
  await deps.objects.putJson(result.content_key, content);
  // Marked before sending: if the send fails, the redelivered request finds `collected` and sends again (above).
  const episode = await deps.episodes.apply('markCollected', key, { result, content_key: result.content_key }, now);
  await sendProcessing(deps, processingMessageFor(episode, result));
  return { outcome: 'collected', episode, messageCount: content.posts.length, dropped };
}

async function claim(
  deps: CollectorDeps,
  key: { podcastId: string; episodeId: string },
  window: { from: Date; to: Date },
  now: Date,
  leaseSeconds: number,
): Promise<Episode> {
  try {
    return await deps.episodes.apply(
      'claimCollection',
      key,
      {
        window_from: window.from.toISOString(),
        window_to: window.to.toISOString(),
        lease_expires_at: new Date(now.getTime() + leaseSeconds * 1000).toISOString(),
      },
      now,
    );
  } catch (error) {
    // Lost a race with another delivery between our read and the claim: retry later, it settles the question.
    if (error instanceof ConflictError) throw new NotReadyError(error.message, error);
    throw error;
  }
}

/** The tag the storage module's lifecycle rule matches to expire media copies (S3 rules cannot match mid-key folders). */
export const MEDIA_TAG = { key: 'telecast-class', value: 'media' } as const;

/** Copies the kept posts' media from the export into the episode's media/ folder when the export includes the files. */
async function withMedia(deps: CollectorDeps, episode: Episode, posts: ChannelPost[]): Promise<ChannelPost[]> {
  const out: ChannelPost[] = [];
  for (const post of posts) {
    const media = [];
    for (const m of post.media) {
      if (!m.file) {
        media.push(m);
        continue;
      }
      const source = `${channelExportPrefix(post.channel)}${m.file}`;
      const target = `${episode.s3_path}${EPISODE_FILES.media}${post.channel}-${post.id}-${m.file.split('/').pop()}`;
      if (await deps.objects.exists(source)) {
        // Tagged for the bucket's lifecycle rule that expires episode media (terraform/modules/storage).
        await deps.objects.copy(source, target, { tags: { [MEDIA_TAG.key]: MEDIA_TAG.value } });
        media.push({ ...m, key: target });
      } else {
        media.push(m);
      }
    }
    out.push({ ...post, media });
  }
  return out;
}

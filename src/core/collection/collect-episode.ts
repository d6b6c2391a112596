/**
 * The telegram stage: claim the episode, read the window from every channel, write content.json, mark `collected`,
 * hand the episode to the generator. Idempotent under redelivery (see the inline notes).
 */
import type { CollectionRequest, ProcessingMessage } from '../contracts.ts';
import { canApply, type Episode } from '../episodes/status.ts';
import { ConflictError, DownstreamError, NotFoundError, NotReadyError } from '../errors.ts';
import type { ChannelPost, ChannelReader, Clock, EpisodeContent, EpisodeRepository, ObjectStore, PodcastRepository, QueueSender } from '../ports.ts';
import { reclaimInFlightPlace } from '../episodes/start-episode.ts';
import { collectionSummaryOf, episodeContentFor, processingMessageFor } from '../handoff.ts';
import { EPISODE_FILES, MEDIA_TAG, channelExportPrefix } from '../keys.ts';
import { preparePost } from './post-rules.ts';
import { collectionWindow } from './window.ts';

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

/** Validated on the way out as on the way in (handoff.ts): a producer bug fails here, with the episode still collectable. */
async function sendProcessing(deps: CollectorDeps, message: ProcessingMessage): Promise<void> {
  await deps.queue.send(deps.processingQueueUrl, message, { podcast_id: message.podcast_id, episode_id: message.episode_id });
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
  await reclaimInFlightPlace(deps.episodes, current, now);
  const lastCompleted = await deps.episodes.latestChannelEpisode(podcast.podcast_id, { status: 'completed', before: current.episode_id });
  const window = collectionWindow(podcast, new Date(current.timestamp), lastCompleted);
  const claimed = await claim(deps, key, window, now, leaseSeconds);

  const posts: ChannelPost[] = [];
  const dropped: Record<string, number> = {};
  for (const channel of podcast.telegram_channels) {
    try {
      for await (const page of deps.reader.read(channel, { window })) {
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

  const content = episodeContentFor(podcast, claimed, window, await withMedia(deps, claimed, posts), now);
  const result = collectionSummaryOf(claimed, content);
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

/**
 * The telegram stage: claim the episode, read the window from every channel, write content.json, mark `collected`,
 * hand the episode to the generator. Idempotent under redelivery (see the inline notes).
 */
import { normaliseChannel } from '../channels.ts';
import type { ChannelStats, CollectionRequest, CollectionSummary, PodcastConfig, ProcessingMessage } from '../contracts.ts';
import { canApply, type Episode } from '../episodes/status.ts';
import { ConflictError, DownstreamError, NotFoundError, NotReadyError, TelecastError } from '../errors.ts';
import type { ChannelPost, ChannelProgress, ChannelReader, ChannelReaders, Clock, EpisodeRepository, ObjectStore, PodcastRepository, QueueSender, TimeWindow } from '../ports.ts';
import { reclaimInFlightPlace } from '../episodes/start-episode.ts';
import { collectionSummaryOf, episodeContentFor, processingMessageFor } from '../handoff.ts';
import { preparePost } from './post-rules.ts';
import { distinctStories } from './stories.ts';
import { storeMedia, type MediaLimits } from './store-media.ts';
import { collectionWindow } from './window.ts';

export interface CollectorDeps {
  podcasts: PodcastRepository;
  episodes: EpisodeRepository;
  objects: ObjectStore;
  queue: QueueSender;
  readers: ChannelReaders;
  progress: ChannelProgress;
  clock: Clock;
  mediaLimits?: MediaLimits;
  processingQueueUrl: string;
}

export type CollectionResult =
  | { outcome: 'collected'; episode: Episode; messageCount: number; dropped: Record<string, number>; stats: ChannelStats[]; mediaFailures: string[] }
  | { outcome: 'skipped'; episode: Episode; reason: string; stats: ChannelStats[] }
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
    await advanceMarks(deps, current, current.result);
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

  const read = await readChannels(deps, podcast, window);
  now = deps.clock.now();
  if (read.posts.length === 0) {
    const reason = `no new posts in ${podcast.telegram_channels.join(', ')} between ${window.from.toISOString()} and ${window.to.toISOString()}${droppedNote(read.stats)}`;
    const episode = await deps.episodes.apply('markSkipped', key, { skip_reason: reason }, now);
    return { outcome: 'skipped', episode, reason, stats: read.stats };
  }

  const media = await storeMedia(deps.objects, (post) => read.readerOf.get(post.channel)!, claimed.s3_path, read.posts, deps.mediaLimits);
  const stats = read.stats.map((s) => ({ ...s, media_stored: media.stored.get(s.channel) ?? 0, media_failed: media.failed.get(s.channel) ?? 0 }));
  const content = episodeContentFor(podcast, claimed, window, media.posts, now, stats);
  const result = collectionSummaryOf(claimed, content);
  await deps.objects.putJson(result.content_key, content);
  // Marked before sending: if the send fails, the redelivered request finds `collected` and sends again (above).
  const episode = await deps.episodes.apply('markCollected', key, { result, content_key: result.content_key }, now);
  await advanceMarks(deps, episode, result);
  await sendProcessing(deps, processingMessageFor(episode, result));
  return { outcome: 'collected', episode, messageCount: content.posts.length, dropped: totalDropped(stats), stats, mediaFailures: media.failures };
}

/** Raises each channel's mark to the last id this episode took (idempotent: a redelivery raises it to the same). */
async function advanceMarks(deps: CollectorDeps, episode: Episode, result: CollectionSummary): Promise<void> {
  for (const s of result.channel_stats ?? []) {
    if (s.last_id !== undefined) await deps.progress.advance(episode.podcast_id, s.channel, s.last_id, episode.episode_id);
  }
}

function totalDropped(stats: readonly ChannelStats[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const s of stats) for (const [rule, n] of Object.entries(s.dropped)) total[rule] = (total[rule] ?? 0) + n;
  return total;
}

/** ", 3 read and dropped (too-short 2, already-in-episode 1)" when posts were read but none kept. */
function droppedNote(stats: readonly ChannelStats[]): string {
  const readCount = stats.reduce((n, s) => n + s.read, 0);
  if (readCount === 0) return '';
  const rules = Object.entries(totalDropped(stats)).map(([rule, n]) => `${rule} ${n}`);
  return `; ${readCount} read and dropped (${rules.join(', ')})`;
}

interface ChannelsRead {
  /** Kept posts, one per story. */
  posts: ChannelPost[];
  stats: ChannelStats[];
  readerOf: Map<string, ChannelReader>;
}

/**
 * Reads every channel of the podcast through its reader: only posts after the channel's mark (a post reaches one
 * episode only), cleaned by the post rules, then one post per story across channels. Counts what each rule dropped.
 */
async function readChannels(deps: CollectorDeps, podcast: PodcastConfig, window: TimeWindow): Promise<ChannelsRead> {
  const posts: ChannelPost[] = [];
  const stats: ChannelStats[] = [];
  const readerOf = new Map<string, ChannelReader>();
  for (const written of podcast.telegram_channels) {
    const channel = normaliseChannel(written);
    try {
      const reader = await deps.readers.readerFor(podcast, written);
      readerOf.set(channel, reader);
      const afterId = await deps.progress.lastTaken(podcast.podcast_id, channel);
      const stat: ChannelStats = { channel, source: reader.source, read: 0, kept: 0, dropped: {}, media_stored: 0, media_failed: 0 };
      stats.push(stat);
      const drop = (rule: string): void => void (stat.dropped[rule] = (stat.dropped[rule] ?? 0) + 1);
      for await (const page of reader.read(written, { window, ...(afterId !== undefined ? { afterId } : {}) })) {
        for (const raw of page) {
          const post = { ...raw, channel };
          stat.read++;
          if (afterId !== undefined && post.id <= afterId) {
            drop('already-in-episode');
            continue;
          }
          const decision = preparePost(post, podcast, window);
          if (decision.dropped === 'outside-window') {
            stat.read--; // a reader that pages past the window's edge: not the channel's news
            continue;
          }
          stat.last_id = Math.max(stat.last_id ?? 0, post.id);
          if (decision.post) posts.push(decision.post);
          else if (decision.dropped) drop(decision.dropped);
        }
      }
    } catch (error) {
      // The reader's own errors already name the channel and whether to retry; anything else is named here.
      if (error instanceof TelecastError) throw error;
      throw new DownstreamError(`reading channel ${written} failed`, { cause: error });
    }
  }
  const { kept, repeats } = distinctStories(posts);
  for (const repeat of repeats) {
    const stat = stats.find((s) => s.channel === repeat.channel)!;
    stat.dropped.duplicate = (stat.dropped.duplicate ?? 0) + 1;
  }
  for (const post of kept) stats.find((s) => s.channel === post.channel)!.kept++;
  return { posts: kept, stats, readerOf };
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


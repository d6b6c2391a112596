/**
 * Starting an episode: the one code path behind the schedule, the CLI's `episode generate` and the admin button.
 * The `pending` record is written before the collection request is sent, so no work ever runs without a status record.
 */
import { parseCollectionRequest, type CollectionRequest, type PodcastConfig, type Trigger } from './contracts.ts';
import { ConflictError, NotFoundError, errorMessage } from './errors.ts';
import { IN_FLIGHT, type Episode } from './episode.ts';
import type { Clock, EpisodeRepository, PodcastRepository, QueueSender } from './ports.ts';
import { episodeIdFor, episodePrefix } from './time.ts';

export interface TriggerDeps {
  podcasts: PodcastRepository;
  episodes: EpisodeRepository;
  queue: QueueSender;
  clock: Clock;
  collectionQueueUrl: string;
}

/** Thrown when the podcast already has an episode on its way; carries that episode so callers can point at it. */
export class EpisodeInFlightError extends ConflictError {
  override name = 'EpisodeInFlightError';
  readonly episode: Episode;
  constructor(episode: Episode) {
    super(`podcast ${episode.podcast_id} already has episode ${episode.episode_id} in status ${episode.status}`, episode.status);
    this.episode = episode;
  }
}

export function newEpisode(podcast: Pick<PodcastConfig, 'podcast_id'>, trigger: Episode['trigger'], createdAt: Date): Episode {
  const episodeId = episodeIdFor(createdAt);
  const iso = createdAt.toISOString();
  return {
    podcast_id: podcast.podcast_id,
    episode_id: episodeId,
    status: 'pending',
    trigger,
    timestamp: iso,
    s3_path: episodePrefix(podcast.podcast_id, episodeId),
    created_at: iso,
    updated_at: iso,
    attempts: 0,
  };
}

/** The collection request for an episode, validated (ARCHITECTURE.md: messages are validated on both ends). */
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
 * Creates a pending episode and enqueues its collection request. Refuses when an episode is already in flight.
 * If the send fails, the episode is marked failed at stage `queued` with the reason, and the error is rethrown.
 */
export async function triggerEpisode(deps: TriggerDeps, podcastId: string, trigger: Trigger): Promise<Episode> {
  const podcast = await deps.podcasts.get(podcastId);
  if (!podcast) throw new NotFoundError(`unknown podcast "${podcastId}"`);
  const latest = await deps.episodes.latestChannelEpisode(podcastId);
  if (latest && IN_FLIGHT.includes(latest.status)) throw new EpisodeInFlightError(latest);

  const episode = newEpisode(podcast, trigger, deps.clock.now());
  await deps.episodes.create(episode);
  // The check above and the create are two requests: two triggers at the same moment (a tick and an operator) can both
  // pass it. Each looks again after its own create; the later one withdraws, so exactly one goes on.
  const [rival] = (await deps.episodes.listForPodcast(podcastId, { limit: 10 })).filter(
    (e) => e.trigger !== 'direct' && IN_FLIGHT.includes(e.status) && e.episode_id < episode.episode_id,
  );
  if (rival) {
    await deps.episodes.withdraw({ podcastId, episodeId: episode.episode_id });
    throw new EpisodeInFlightError(rival);
  }
  // Validated on the way out too: a producer bug fails here, loudly, not in the consumer's DLQ.
  const request = collectionRequestFor(episode, trigger);
  try {
    await deps.queue.send(deps.collectionQueueUrl, request, { podcast_id: episode.podcast_id, episode_id: episode.episode_id });
  } catch (error) {
    const now = deps.clock.now();
    await deps.episodes.apply(
      'markFailed',
      { podcastId, episodeId: episode.episode_id },
      { error: `could not enqueue the collection request: ${errorMessage(error)}`, failed_stage: 'queued' },
      now,
    );
    throw error;
  }
  return episode;
}

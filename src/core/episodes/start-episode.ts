/**
 * Starting an episode: the one code path behind the schedule, the CLI's `episode generate` and the admin button.
 * The `pending` record is written before the collection request is sent, so no work ever runs without a status record.
 */
import type { Trigger } from '../contracts.ts';
import { ConflictError, NotFoundError, errorMessage } from '../errors.ts';
import { IN_FLIGHT, newEpisode, type Episode } from './status.ts';
import type { Clock, EpisodeRepository, PodcastRepository, QueueSender } from '../ports.ts';
import { collectionRequestFor } from '../handoff.ts';

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

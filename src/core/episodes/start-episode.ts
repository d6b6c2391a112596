/**
 * Starting an episode: the one code path behind the schedule, the CLI's `episode generate` and the admin button.
 * The `pending` record is written before the collection request is sent, so no work ever runs without a status record.
 */
import type { Trigger } from '../contracts.ts';
import { ConflictError, NotFoundError, NotReadyError, errorMessage } from '../errors.ts';
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
 * A failed episode that an operator redrives goes back in flight: it takes its podcast's place again first, so it never
 * runs beside another episode of the podcast. While another holds the place the redrive waits (NotReadyError: SQS
 * retries it). Direct episodes hold no place.
 */
export async function reclaimInFlightPlace(episodes: EpisodeRepository, episode: Episode, now: Date): Promise<void> {
  if (episode.status !== 'failed' || episode.trigger === 'direct') return;
  try {
    await reserveInFlightPlace(episodes, episode, now);
  } catch (error) {
    if (error instanceof EpisodeInFlightError) {
      throw new NotReadyError(`redrive of ${episode.episode_id} waits: ${error.message}`, error);
    }
    throw error;
  }
}

/** A reservation younger than this may belong to a start that has not created its episode yet. */
export const RESERVATION_GRACE_MS = 60_000;

/**
 * Creates a pending episode and enqueues its collection request. Refuses when an episode is already in flight: the
 * store's per-podcast marker (EpisodeRepository.reserveInFlight) is taken before the episode is created, so of two
 * triggers at once (a tick and an operator, two operators) exactly one goes on, whatever their clocks say.
 * If the send fails, the episode is marked failed at stage `queued` with the reason, and the error is rethrown.
 */
export async function triggerEpisode(deps: TriggerDeps, podcastId: string, trigger: Trigger): Promise<Episode> {
  const podcast = await deps.podcasts.get(podcastId);
  if (!podcast) throw new NotFoundError(`unknown podcast "${podcastId}"`);
  const latest = await deps.episodes.latestChannelEpisode(podcastId);
  if (latest && IN_FLIGHT.includes(latest.status)) throw new EpisodeInFlightError(latest);

  const episode = newEpisode(podcast, trigger, deps.clock.now());
  await reserveInFlightPlace(deps.episodes, episode, new Date(episode.created_at));
  try {
    await deps.episodes.create(episode);
  } catch (error) {
    await deps.episodes.releaseInFlight(podcastId, episode.episode_id).catch(() => undefined);
    throw error;
  }
  const request = collectionRequestFor(episode, trigger);
  try {
    await deps.queue.send(deps.collectionQueueUrl, request, { podcast_id: episode.podcast_id, episode_id: episode.episode_id });
  } catch (error) {
    // Failing the episode also gives back its in-flight place.
    await deps.episodes.apply(
      'markFailed',
      { podcastId, episodeId: episode.episode_id },
      { error: `could not enqueue the collection request: ${errorMessage(error)}`, failed_stage: 'queued' },
      deps.clock.now(),
    );
    throw error;
  }
  return episode;
}

/**
 * Takes the podcast's in-flight place for `episode`, or throws EpisodeInFlightError naming the episode that holds it.
 * A place held by a settled episode (this one too, when a failed episode is redriven), or by one never created past the
 * grace period (a start that crashed between its reservation and its create), is taken over, conditionally on that
 * holder, so two callers cannot both take it over.
 */
export async function reserveInFlightPlace(episodes: EpisodeRepository, episode: Episode, now: Date): Promise<void> {
  const podcastId = episode.podcast_id;
  const deps = { episodes };
  let holder = await deps.episodes.reserveInFlight(podcastId, episode.episode_id, now);
  for (let tries = 0; holder && tries < 3; tries++) {
    if (!holder.episode_id) {
      // Given back between our write and our read of it: try again.
      holder = await deps.episodes.reserveInFlight(podcastId, episode.episode_id, now);
      continue;
    }
    const held = await deps.episodes.get({ podcastId, episodeId: holder.episode_id });
    if (held && IN_FLIGHT.includes(held.status)) throw new EpisodeInFlightError(held);
    if (!held && now.getTime() - new Date(holder.since).getTime() < RESERVATION_GRACE_MS) {
      throw new EpisodeInFlightError({ ...episode, episode_id: holder.episode_id, status: 'pending' });
    }
    holder = await deps.episodes.reserveInFlight(podcastId, episode.episode_id, now, holder.episode_id);
  }
  if (holder) throw new EpisodeInFlightError({ ...episode, episode_id: holder.episode_id, status: 'pending' });
}

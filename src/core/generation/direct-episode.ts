/**
 * The generator's direct path: `{ podcast_id, text }` becomes an episode without the queues (the seed keeps a direct
 * API next to the SQS trigger). It walks the same status machine, so the episode is visible like any other, but it is
 * not one of the channel episodes: it neither moves the podcast's schedule nor the window of its next episode
 * (`trigger: 'direct'`). A caller that retries a timed-out invocation gets a second episode, by design: each call is a
 * request for a new one.
 */
import type { DirectGenerationRequest } from '../contracts.ts';
import { newEpisode, type Episode } from '../episodes/status.ts';
import { NotFoundError, errorMessage } from '../errors.ts';
import { collectionSummaryOf, directContentFor } from '../handoff.ts';
import { runGeneration, type GeneratorDeps } from './generate-episode.ts';

export async function generateFromText(deps: GeneratorDeps, request: DirectGenerationRequest, leaseSeconds: number): Promise<Episode> {
  const podcast = await deps.podcasts.get(request.podcast_id);
  if (!podcast) throw new NotFoundError(`unknown podcast "${request.podcast_id}"`);
  const now = deps.clock.now();
  const episode = newEpisode(podcast, 'direct', now);
  const key = { podcastId: episode.podcast_id, episodeId: episode.episode_id };
  await deps.episodes.create(episode);
  // Everything after the create is inside the try: whatever fails, the episode is settled, never left pending.
  try {
    await deps.episodes.apply('claimCollection', key, { window_from: episode.timestamp, window_to: episode.timestamp }, now);
    const content = directContentFor(episode, request.text, now);
    const result = collectionSummaryOf(episode, content);
    await deps.objects.putJson(result.content_key, content);
    await deps.episodes.apply('markCollected', key, { result, content_key: result.content_key }, now);
    return await runGeneration(deps, podcast, key, leaseSeconds);
  } catch (error) {
    // No queue will retry a direct call: settle the episode so it does not sit in flight until the sweeper finds it.
    const current = await deps.episodes.get(key).catch(() => undefined);
    const failed_stage = current?.status === 'generating' || current?.status === 'collected' ? 'generating' : 'collecting';
    await deps.episodes
      .apply('markFailed', key, { error: errorMessage(error), failed_stage }, deps.clock.now())
      .catch(() => undefined);
    throw error;
  }
}

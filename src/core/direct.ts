/**
 * The generator's direct path: `{ podcast_id, text }` becomes an episode without the queues (the seed keeps a direct
 * API next to the SQS trigger). It walks the same status machine, so the episode is visible like any other.
 */
import type { DirectGenerationRequest } from './contracts.ts';
import type { Episode } from './episode.ts';
import { NotFoundError } from './errors.ts';
import { runGeneration, type GeneratorDeps } from './generator.ts';
import type { EpisodeContent } from './ports.ts';
import { episodeKey } from './time.ts';
import { newEpisode } from './trigger.ts';
import { summarise } from './collector.ts';

export async function generateFromText(deps: GeneratorDeps, request: DirectGenerationRequest, leaseSeconds: number): Promise<Episode> {
  const podcast = await deps.podcasts.get(request.podcast_id);
  if (!podcast) throw new NotFoundError(`unknown podcast "${request.podcast_id}"`);
  const now = deps.clock.now();
  const episode = newEpisode(podcast, 'direct', now);
  const key = { podcastId: episode.podcast_id, episodeId: episode.episode_id };
  await deps.episodes.create(episode);
  await deps.episodes.apply('claimCollection', key, { window_from: episode.timestamp, window_to: episode.timestamp }, now);
  const content: EpisodeContent = {
    schema_version: 1,
    podcast_id: podcast.podcast_id,
    episode_id: episode.episode_id,
    channels: ['direct'],
    window: { from: episode.timestamp, to: episode.timestamp },
    collected_at: now.toISOString(),
    posts: [{ channel: 'direct', id: 1, date: episode.timestamp, text: request.text, links: [], media: [] }],
  };
  const result = summarise(episode, content);
  await deps.objects.putJson(episodeKey(key.podcastId, key.episodeId, 'content'), content);
  await deps.episodes.apply('markCollected', key, { result, content_key: result.content_key }, now);
  return runGeneration(deps, podcast, key, leaseSeconds);
}

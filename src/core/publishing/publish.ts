/**
 * The publisher: one more step after `completed` (docs/architecture.md "Publishing"). Publishing an episode copies
 * its MP3, transcripts and chapters under the bucket's public prefix (keys.ts), records where they are and the MP3's
 * exact size on the episode (`publication`), and regenerates the podcast's feed; withdrawing deletes the public copies,
 * clears `publication` (setting `withdrawn_at`) and regenerates the feed without it. The private files are never
 * touched. Called by the generator when a podcast publishes automatically, and by the operations (CLI, admin page).
 *
 * The feed is rebuilt from the episode records each time (every published episode of the podcast, newest first), so
 * it always agrees with them; its guid lives in podcasts/<id>/feed.json, written once. Two regenerations at the same
 * moment each write a whole feed; the later one read the records after both publications were recorded, unless they
 * interleave within a DynamoDB query, which the next publish or withdraw repairs.
 *
 * Refusals name what is wrong and change nothing: no PUBLIC_BASE_URL, a podcast missing what directories require
 * (publishingMissing), an episode that is not completed, one whose MP3 is missing or empty (never published).
 */
import type { PodcastConfig } from '../contracts.ts';
import type { Episode, EpisodePublication } from '../episodes/status.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { episodePrefix, feedKey, feedStateKey, publicEpisodeKey, publicUrl, PUBLIC_EPISODE_FILES } from '../keys.ts';
import type { Clock, EpisodeKey, EpisodeRepository, ObjectStore, PodcastRepository } from '../ports.ts';
import type { Script } from '../generation/script.ts';
import { buildFeed, episodeGuid, feedGuid, publishingMissing, type FeedItem } from './feed.ts';

export interface PublisherDeps {
  podcasts: PodcastRepository;
  episodes: EpisodeRepository;
  objects: ObjectStore;
  clock: Clock;
  /** PUBLIC_BASE_URL: where public/ is served; empty when publishing is not configured. */
  publicBaseUrl: string;
}

/** podcasts/<id>/feed.json: the feed's identity, assigned on its first publication and kept. */
export interface FeedState {
  guid: string;
  feed_url: string;
  created_at: string;
}

/** The content type directories and browsers expect of the feed. */
export const FEED_CONTENT_TYPE = 'application/rss+xml; charset=utf-8';

const CONTENT_TYPES: Record<keyof typeof PUBLIC_EPISODE_FILES, string> = {
  audio: 'audio/mpeg',
  vtt: 'text/vtt',
  transcript: 'text/plain',
  chapters: 'application/json+chapters',
};

function baseUrlOf(deps: PublisherDeps): string {
  const base = deps.publicBaseUrl.trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(base)) {
    throw new ValidationError('publishing is not configured: PUBLIC_BASE_URL is empty or not a URL (Terraform sets it from the CloudFront distribution)');
  }
  return base;
}

/** The podcast's feed URL: where directories subscribe (`<base>/<podcast_id>/feed.xml`). */
export function feedUrlOf(publicBaseUrl: string, podcastId: string): string {
  return publicUrl(publicBaseUrl.replace(/\/+$/, ''), feedKey(podcastId));
}

async function podcastOf(deps: PublisherDeps, podcastId: string): Promise<PodcastConfig> {
  const podcast = await deps.podcasts.get(podcastId);
  if (!podcast) throw new NotFoundError(`unknown podcast "${podcastId}"`);
  return podcast;
}

/** The feed's state, created (with the guid of its URL) on first use; an existing guid is kept even if the URL moved. */
async function feedState(deps: PublisherDeps, podcastId: string, base: string): Promise<FeedState> {
  const key = feedStateKey(podcastId);
  const url = feedUrlOf(base, podcastId);
  try {
    const stored = await deps.objects.getJson<FeedState>(key);
    if (typeof stored?.guid === 'string' && stored.guid) {
      if (stored.feed_url === url) return stored;
      const moved = { ...stored, feed_url: url };
      await deps.objects.putJson(key, moved);
      return moved;
    }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const state: FeedState = { guid: feedGuid(url), feed_url: url, created_at: deps.clock.now().toISOString() };
  await deps.objects.putJson(key, state);
  return state;
}

/**
 * The episode's title and description (the script writer's, recorded at completion), else the stored script's (an
 * episode completed before they were recorded), else ones made from the podcast and the episode's date.
 */
async function titleAndDescription(deps: PublisherDeps, podcast: PodcastConfig, episode: Episode): Promise<{ title: string; description: string }> {
  let script: Partial<Script> = { ...(episode.title ? { title: episode.title } : {}), ...(episode.description ? { description: episode.description } : {}) };
  if (episode.script_key && !(script.title && script.description)) {
    try {
      script = { ...(await deps.objects.getJson<Partial<Script>>(episode.script_key)), ...script };
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  const day = new Date(episode.created_at).toISOString().slice(0, 10);
  const title = typeof script.title === 'string' && script.title.trim() && script.title.trim() !== podcast.name ? script.title.trim() : `${podcast.name}, ${day}`;
  const description =
    typeof script.description === 'string' && script.description.trim()
      ? script.description.trim()
      : `${podcast.name} for ${day}${podcast.slogan ? `: ${podcast.slogan}` : ''}.`;
  return { title, description };
}

/**
 * Publishes a completed episode: public copies, `publication` on the record, the feed regenerated. Publishing an
 * episode that is already published refreshes its copies and keeps its guid and publication time.
 */
export async function publishEpisode(deps: PublisherDeps, key: EpisodeKey): Promise<Episode> {
  const base = baseUrlOf(deps);
  const podcast = await podcastOf(deps, key.podcastId);
  const missing = publishingMissing(podcast);
  if (missing.length) throw new ValidationError(`podcast ${podcast.podcast_id} cannot be published yet; set in its configuration`, missing);
  const episode = await deps.episodes.get(key);
  const id = `${key.podcastId}/${key.episodeId}`;
  if (!episode) throw new NotFoundError(`unknown episode ${id}`);
  if (episode.status !== 'completed') throw new ConflictError(`episode ${id} is ${episode.status}: only a completed episode can be published`, episode.status);
  const audio = episode.audio_key ? await deps.objects.head(episode.audio_key) : undefined;
  if (!audio || audio.bytes === 0) throw new ValidationError(`episode ${id} has no audio (${episode.audio_key ?? 'no audio key'} is ${audio ? 'empty' : 'missing'}): it cannot be published`);

  const state = await feedState(deps, key.podcastId, base);
  const sources: Record<keyof typeof PUBLIC_EPISODE_FILES, string | undefined> = {
    audio: episode.audio_key,
    vtt: episode.vtt_key,
    transcript: episode.transcript_key,
    chapters: episode.chapters_key ?? `${episodePrefix(key.podcastId, key.episodeId)}${PUBLIC_EPISODE_FILES.chapters}`,
  };
  const urls: Partial<Record<keyof typeof PUBLIC_EPISODE_FILES, string>> = {};
  for (const [file, from] of Object.entries(sources) as Array<[keyof typeof PUBLIC_EPISODE_FILES, string | undefined]>) {
    if (!from || !(await deps.objects.exists(from))) {
      if (file === 'chapters') continue; // episodes generated before chapters existed have none
      throw new ValidationError(`episode ${id} is missing its ${file} (${from ?? 'no key'}): it cannot be published`);
    }
    const to = publicEpisodeKey(key.podcastId, key.episodeId, file);
    await deps.objects.copy(from, to);
    urls[file] = publicUrl(base, to);
  }
  const copied = await deps.objects.head(publicEpisodeKey(key.podcastId, key.episodeId, 'audio'));
  const { title, description } = await titleAndDescription(deps, podcast, episode);
  const publication: EpisodePublication = {
    published_at: episode.publication?.published_at ?? deps.clock.now().toISOString(),
    guid: episodeGuid(state.guid, key.podcastId, key.episodeId),
    title,
    description,
    audio_url: urls.audio!,
    audio_bytes: copied?.bytes ?? audio.bytes,
    vtt_url: urls.vtt!,
    transcript_url: urls.transcript!,
    ...(urls.chapters ? { chapters_url: urls.chapters } : {}),
  };
  const published = await deps.episodes.setPublication(key, publication, deps.clock.now());
  await regenerateFeed(deps, key.podcastId);
  return published;
}

/** Takes a published episode out of the feed and deletes its public copies; the private files stay. */
export async function withdrawEpisode(deps: PublisherDeps, key: EpisodeKey): Promise<Episode> {
  baseUrlOf(deps);
  const id = `${key.podcastId}/${key.episodeId}`;
  const episode = await deps.episodes.get(key);
  if (!episode) throw new NotFoundError(`unknown episode ${id}`);
  if (!episode.publication) throw new ConflictError(`episode ${id} is not published`, episode.status);
  const withdrawn = await deps.episodes.setPublication(key, undefined, deps.clock.now());
  for (const file of Object.keys(PUBLIC_EPISODE_FILES) as Array<keyof typeof PUBLIC_EPISODE_FILES>) {
    await deps.objects.delete(publicEpisodeKey(key.podcastId, key.episodeId, file));
  }
  await regenerateFeed(deps, key.podcastId);
  return withdrawn;
}

/** Every published episode of the podcast, newest publication first. */
async function publishedEpisodes(episodes: EpisodeRepository, podcastId: string): Promise<Episode[]> {
  const all: Episode[] = [];
  for (let before: string | undefined; ; ) {
    const page = await episodes.listForPodcast(podcastId, { limit: 100, ...(before ? { before } : {}) });
    all.push(...page);
    if (page.length < 100) break;
    before = page.at(-1)!.episode_id;
  }
  return all.filter((e) => e.publication && e.status === 'completed').sort((a, b) => b.publication!.published_at.localeCompare(a.publication!.published_at));
}

/** Rebuilds public/<podcast>/feed.xml from the published episodes; returns its URL and item count. */
export async function regenerateFeed(deps: PublisherDeps, podcastId: string): Promise<{ feed_url: string; items: number }> {
  const base = baseUrlOf(deps);
  const podcast = await podcastOf(deps, podcastId);
  const state = await feedState(deps, podcastId, base);
  const items: FeedItem[] = (await publishedEpisodes(deps.episodes, podcastId)).map((e) => {
    const pub = e.publication!;
    return {
      title: pub.title,
      description: pub.description,
      publication: pub,
      duration_seconds: e.duration_seconds ?? 0,
    };
  });
  const xml = buildFeed({ podcast, feedUrl: state.feed_url, guid: state.guid, items, builtAt: deps.clock.now() });
  await deps.objects.putText(feedKey(podcastId), xml, FEED_CONTENT_TYPE);
  return { feed_url: state.feed_url, items: items.length };
}

/**
 * After an episode completes: publishes it when its podcast publishes automatically and can be published. Returns
 * what happened, for the log; a failure here leaves the episode completed (an operator can publish it) and is thrown.
 */
export async function publishIfAutomatic(deps: PublisherDeps, episode: Episode): Promise<'published' | 'manual' | 'not-publishable' | 'not-configured'> {
  const podcast = await podcastOf(deps, episode.podcast_id);
  if (podcast.publishing.mode !== 'auto') return 'manual';
  if (!deps.publicBaseUrl.trim()) return 'not-configured';
  if (publishingMissing(podcast).length) return 'not-publishable';
  await publishEpisode(deps, { podcastId: episode.podcast_id, episodeId: episode.episode_id });
  return 'published';
}

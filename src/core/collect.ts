/**
 * Collection logic: which window to read, which posts to keep, what goes into content.json.
 * Pure: the telegram handler feeds it posts from a ChannelReader and writes what it returns.
 */
import type { DomainFilter, PodcastConfig } from './contracts.ts';
import type { Episode } from './episode.ts';
import type { ChannelPost, EpisodeContent, TimeWindow } from './ports.ts';
import { addHours, normaliseChannel } from './time.ts';

/**
 * The exact window an episode covers, up to the episode's creation time: from the end of the podcast's last completed
 * episode's window (so nothing is read twice and nothing between episodes is missed), else `window_hours` before the
 * episode's creation. No rounding to days.
 */
export function collectionWindow(
  podcast: Pick<PodcastConfig, 'window_hours'>,
  episodeCreatedAt: Date,
  lastCompleted: Pick<Episode, 'window_to' | 'timestamp'> | undefined,
): TimeWindow {
  const to = episodeCreatedAt;
  const lastEnd = lastCompleted ? new Date(lastCompleted.window_to ?? lastCompleted.timestamp) : undefined;
  const from = lastEnd && lastEnd < to ? lastEnd : addHours(to, -podcast.window_hours);
  return { from, to };
}

/** Whether an instant lies in the half-open window (from, to]: a post exactly at `from` belonged to the previous episode. */
export function inWindow(date: Date, window: TimeWindow): boolean {
  return date > window.from && date <= window.to;
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'()\[\]{}]+/giu;

/** The links in a text, trailing punctuation trimmed, in order of appearance, without duplicates. */
export function extractLinks(text: string): string[] {
  const found = (text.match(URL_PATTERN) ?? []).map((u) => u.replace(/[.,;:!?…]+$/u, ''));
  return [...new Set(found)];
}

/** The host of a link, lower-case, without a leading `www.`; undefined when it is not a URL. */
export function domainOf(link: string): string | undefined {
  try {
    return new URL(link).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return undefined;
  }
}

/** Whether a domain matches one filter: exact, starts_with, ends_with or contains, case-insensitive. */
export function matchesDomainFilter(domain: string, filter: DomainFilter): boolean {
  const d = domain.toLowerCase();
  const v = filter.value.toLowerCase().replace(/^www\./, '');
  switch (filter.match) {
    case 'exact':
      return d === v;
    case 'starts_with':
      return d.startsWith(v);
    case 'ends_with':
      // `ends_with example.com` matches example.com and news.example.com, but not badexample.com.
      return d === v || d.endsWith(v.startsWith('.') ? v : `.${v}`);
    case 'contains':
      return d.includes(v);
  }
}

export function isFilteredLink(link: string, filters: readonly DomainFilter[]): boolean {
  const domain = domainOf(link);
  return domain !== undefined && filters.some((f) => matchesDomainFilter(domain, f));
}

export interface PostDecision {
  post?: ChannelPost;
  dropped?: 'too-short' | 'empty' | 'outside-window';
}

/**
 * Cleans one post for the episode: filtered links are removed from its links and its text; media are kept only for the
 * configured media types; a post whose remaining text is shorter than `min_post_length` characters is dropped
 * (a photo with no caption, "👍", a bare filtered link).
 */
export function preparePost(
  post: ChannelPost,
  podcast: Pick<PodcastConfig, 'filtered_domains' | 'media_types' | 'min_post_length'>,
  window: TimeWindow,
): PostDecision {
  if (!inWindow(new Date(post.date), window)) return { dropped: 'outside-window' };
  const allLinks = [...new Set([...post.links, ...extractLinks(post.text)])];
  const removed = allLinks.filter((l) => isFilteredLink(l, podcast.filtered_domains));
  let text = post.text;
  for (const link of removed) text = text.split(link).join('');
  text = text.replace(/[ \t]+\n/g, '\n').replace(/[ \t]{2,}/g, ' ').trim();
  if (text.length === 0) return { dropped: 'empty' };
  // Characters, not UTF-16 units: an emoji or a Hebrew letter counts once.
  if ([...text].length < podcast.min_post_length) return { dropped: 'too-short' };
  return {
    post: {
      ...post,
      text,
      links: allLinks.filter((l) => !removed.includes(l)),
      media: post.media.filter((m) => podcast.media_types.includes(m.type)),
    },
  };
}

export interface CollectionOutcome {
  content: EpisodeContent;
  dropped: Record<string, number>;
}

/** Assembles content.json from the kept posts of every channel: oldest first, duplicates (same channel and id) once. */
export function buildContent(
  podcast: PodcastConfig,
  episode: Pick<Episode, 'episode_id'>,
  window: TimeWindow,
  posts: readonly ChannelPost[],
  collectedAt: Date,
): EpisodeContent {
  const seen = new Set<string>();
  const unique = posts.filter((p) => {
    const key = `${normaliseChannel(p.channel)}#${p.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
  return {
    schema_version: 1,
    podcast_id: podcast.podcast_id,
    episode_id: episode.episode_id,
    channels: podcast.telegram_channels.map(normaliseChannel),
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    collected_at: collectedAt.toISOString(),
    posts: unique,
  };
}

/**
 * Which posts an episode keeps, and what is cut from them: links to filtered domains, media of unwanted types, posts
 * too short to talk about. Pure: the collector feeds it the posts a ChannelReader yields.
 */
import type { DomainFilter, PodcastConfig } from '../contracts.ts';
import type { ChannelPost, TimeWindow } from '../ports.ts';
import { inWindow } from './window.ts';

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

/**
 * Which posts an episode keeps, and what is cut from them: links to filtered domains, media of unwanted types, posts
 * too short to talk about. Pure: the collector feeds it the posts a ChannelReader yields.
 */
import { LinkifyIt } from 'linkify-it';
import type { DomainFilter, PodcastConfig } from '../contracts.ts';
import type { ChannelPost, TimeWindow } from '../ports.ts';
import { inWindow } from './window.ts';

/**
 * Finds links as Telegram's clients auto-link them: with a scheme, and bare domains (`example.com`, `www.shop.com/x`)
 * whose top-level domain is a real one (so `e.g.` or `file.txt` are not links). linkify-it is markdown-it's matcher.
 */
const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyEmail: false, fuzzyIP: false }).tlds(
  ['app', 'dev', 'io', 'ai', 'me', 'tv', 'news', 'xyz', 'online', 'site', 'store', 'tech', 'blog', 'top', 'live'],
  true,
);

interface FoundLink {
  /** As written in the text. */
  raw: string;
  /** As stored: with a scheme (`https://` for a bare domain). */
  url: string;
}

function findLinks(text: string): FoundLink[] {
  return (linkify.match(text) ?? [])
    .filter((m) => m.schema === '' || /^https?:$/i.test(m.schema))
    .map((m) => ({ raw: m.raw, url: m.schema === '' ? `https://${m.raw.replace(/^\/\//, '')}` : m.url }));
}

/** The links in a text (bare domains given `https://`), in order of appearance, without duplicates. */
export function extractLinks(text: string): string[] {
  return [...new Set(findLinks(text).map((l) => l.url))];
}

/** A link as stored: a bare domain (`example.com/x`, which Telegram auto-links) gets `https://`. */
export function normaliseLink(link: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(link) ? link : `https://${link.replace(/^\/\//, '')}`;
}

/** The host of a link, lower-case, without a leading `www.`; undefined when it is not a URL. */
export function domainOf(link: string): string | undefined {
  try {
    return new URL(normaliseLink(link)).hostname.toLowerCase().replace(/^www\./, '');
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
  const inText = findLinks(post.text);
  const allLinks = [...new Set([...post.links.map(normaliseLink), ...inText.map((l) => l.url)])];
  const removed = allLinks.filter((l) => isFilteredLink(l, podcast.filtered_domains));
  let text = post.text;
  // Cut as written: a bare `shop.com/x` in the text is the stored `https://shop.com/x`.
  for (const link of inText) if (removed.includes(link.url)) text = text.split(link.raw).join('');
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

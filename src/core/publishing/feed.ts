/**
 * A podcast's public feed: RSS 2.0 with Apple's `itunes` namespace and Podcasting 2.0's `podcast` namespace
 * (https://podcasters.apple.com/support/823-podcast-requirements, https://podcastindex.org/namespace/1.0), built from
 * the podcast's configuration and its published episodes. Pure: publish.ts stores it.
 *
 * Per episode: its title and description (the script writer's), the MP3 as `enclosure` with its exact byte length,
 * a `guid` that never changes (UUIDv5 of the episode under the feed's guid), `pubDate` (when it was published),
 * `itunes:duration`, `podcast:transcript` twice (WebVTT with the hosts' voices, and plain text) and
 * `podcast:chapters` (JSON Chapters). The channel's `podcast:guid` is UUIDv5 of the feed URL, assigned once and kept
 * by publish.ts, so moving the feed does not make it a new podcast.
 *
 * XML is written here rather than through a builder library: the feed uses a dozen elements, and text and attributes
 * go through one escaper (`&`, `<`, `>`, quotes, and characters XML 1.0 forbids removed), which the tests check with a
 * real feed parser on titles holding `&`, `<` and Hebrew.
 */
import { v5 as uuidv5 } from 'uuid';
import type { PodcastConfig } from '../contracts.ts';
import type { EpisodePublication } from '../episodes/status.ts';

/** Podcasting 2.0's namespace for `podcast:guid` (https://podcastindex.org/namespace/1.0#guid). */
export const PODCAST_GUID_NAMESPACE = 'ead4c236-bf58-58c6-a2c6-a6b28d128cb6';

/** `podcast:guid` of a feed URL: UUIDv5 of the URL without its scheme and trailing slashes, as the namespace says. */
export function feedGuid(feedUrl: string): string {
  return uuidv5(feedUrl.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, ''), PODCAST_GUID_NAMESPACE);
}

/** An episode's item guid: the same for the same episode of the same feed, whatever else changes. */
export function episodeGuid(feedGuidValue: string, podcastId: string, episodeId: string): string {
  return uuidv5(`${podcastId}/${episodeId}`, feedGuidValue);
}

/**
 * What a directory needs that the podcast's `publishing` lacks, as `publishing.<field>: why` lines; [] when it can be
 * published. `podcast put` shows these and stores the podcast anyway; publishing refuses until they are filled.
 */
export function publishingMissing(podcast: Pick<PodcastConfig, 'publishing'>): string[] {
  const p = podcast.publishing;
  const missing: string[] = [];
  if (!p.description) missing.push('publishing.description: directories show it and Apple requires it');
  if (!p.artwork_url) missing.push('publishing.artwork_url: Apple requires square artwork, 1400–3000 px, JPEG or PNG');
  if (!p.category) missing.push('publishing.category: Apple requires one of its categories (e.g. "News", "Technology")');
  if (!p.author) missing.push('publishing.author: the name directories show as the podcast\'s author');
  if (!p.owner_email) missing.push('publishing.owner_email: directories send ownership verification there');
  return missing;
}

export interface FeedItem {
  title: string;
  description: string;
  publication: EpisodePublication;
  duration_seconds: number;
}

export interface FeedChannel {
  podcast: PodcastConfig;
  feedUrl: string;
  guid: string;
  /** Newest first, as directories expect (they read the order they are given). */
  items: FeedItem[];
  builtAt: Date;
}

/** Text for XML content or a quoted attribute: escaped, and without the characters XML 1.0 cannot hold. */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const element = (name: string, text: string, attributes = '') => `<${name}${attributes}>${xmlText(text)}</${name}>`;
const attrs = (values: Record<string, string | undefined>) =>
  Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${xmlText(value)}"`)
    .join('');

/** RFC 822 date as RSS wants it ("Wed, 02 Dec 2026 11:40:00 GMT"). */
const rfc822 = (iso: string) => new Date(iso).toUTCString();

export function buildFeed(channel: FeedChannel): string {
  const { podcast, feedUrl } = channel;
  const p = podcast.publishing;
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    '<channel>',
    element('title', podcast.name),
    element('description', p.description ?? podcast.slogan),
    element('link', p.link ?? feedUrl),
    `<atom:link${attrs({ href: feedUrl, rel: 'self', type: 'application/rss+xml' })}/>`,
    element('language', podcast.language),
    element('generator', 'Telecast'),
    element('lastBuildDate', channel.builtAt.toUTCString()),
    element('podcast:guid', channel.guid),
    element('itunes:explicit', p.explicit ? 'true' : 'false'),
    element('itunes:type', 'episodic'),
  ];
  if (p.author) lines.push(element('itunes:author', p.author));
  if (p.artwork_url) {
    lines.push(`<itunes:image${attrs({ href: p.artwork_url })}/>`);
    lines.push(`<image>${element('url', p.artwork_url)}${element('title', podcast.name)}${element('link', p.link ?? feedUrl)}</image>`);
  }
  if (p.category) {
    lines.push(
      p.subcategory
        ? `<itunes:category${attrs({ text: p.category })}><itunes:category${attrs({ text: p.subcategory })}/></itunes:category>`
        : `<itunes:category${attrs({ text: p.category })}/>`,
    );
  }
  if (p.owner_email) {
    lines.push(`<itunes:owner>${element('itunes:name', p.owner_name ?? p.author ?? podcast.name)}${element('itunes:email', p.owner_email)}</itunes:owner>`);
  }
  for (const item of channel.items) lines.push(itemXml(item));
  lines.push('</channel>', '</rss>');
  return `${lines.join('\n')}\n`;
}

function itemXml(item: FeedItem): string {
  const { publication: pub } = item;
  const parts = [
    element('title', item.title),
    element('description', item.description),
    element('itunes:summary', item.description),
    `<enclosure${attrs({ url: pub.audio_url, length: String(pub.audio_bytes), type: 'audio/mpeg' })}/>`,
    element('guid', pub.guid, attrs({ isPermaLink: 'false' })),
    element('pubDate', rfc822(pub.published_at)),
    element('itunes:duration', String(Math.max(1, Math.round(item.duration_seconds)))),
    element('itunes:episodeType', 'full'),
    `<podcast:transcript${attrs({ url: pub.vtt_url, type: 'text/vtt' })}/>`,
    `<podcast:transcript${attrs({ url: pub.transcript_url, type: 'text/plain' })}/>`,
  ];
  if (pub.chapters_url) parts.push(`<podcast:chapters${attrs({ url: pub.chapters_url, type: 'application/json+chapters' })}/>`);
  return `<item>\n${parts.join('\n')}\n</item>`;
}

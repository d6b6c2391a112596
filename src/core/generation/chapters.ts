/**
 * What every script writer needs to give an episode its feed texts: the public link of a post, the titles of the
 * sections no story names (intro, outro), and plain texts cut to the feed's bounds (script.ts MAX_*_CHARS). Pure.
 */
import type { Language, PodcastConfig } from '../contracts.ts';
import type { ChannelPost } from '../ports.ts';
import { normaliseChannel } from '../channels.ts';

/** Titles of the sections that are not a story's, and of a segment nothing else names (`n` from 1). */
export const SECTION_TITLES: Record<Language, { intro: string; outro: string; segment(n: number): string }> = {
  en: { intro: 'Introduction', outro: 'Wrap-up', segment: (n) => `Story ${n}` },
  he: { intro: 'פתיחה', outro: 'סיכום', segment: (n) => `סיפור ${n}` },
};

/** A description made of segment titles, when nothing better is given: "In this episode: a; b; c." */
export function summaryOf(language: Language, titles: string[], more: boolean): string {
  const list = `${titles.join('; ')}${more ? (language === 'he' ? '; ועוד' : '; and more') : ''}`;
  return language === 'he' ? `בפרק הזה: ${list}.` : `In this episode: ${list}.`;
}

/** The title of a section by its id alone (`intro`, `outro`, `segment-<n>`), in the podcast's language. */
export function sectionTitle(language: Language, section: string): string {
  const titles = SECTION_TITLES[language];
  if (section === 'intro') return titles.intro;
  if (section === 'outro') return titles.outro;
  const n = /^segment-(\d+)$/.exec(section)?.[1];
  return n ? titles.segment(Number(n)) : section;
}

/**
 * `https://t.me/<channel>/<id>` for a post of one of the podcast's Telegram channels; undefined for anything else (a
 * direct episode's text is a post of the pseudo-channel `direct`, which has no public page).
 */
export function postLink(post: Pick<ChannelPost, 'channel' | 'id'>, podcast: Pick<PodcastConfig, 'telegram_channels'>): string | undefined {
  const channel = normaliseChannel(post.channel);
  if (!podcast.telegram_channels.some((configured) => normaliseChannel(configured) === channel)) return undefined;
  if (!Number.isInteger(post.id) || post.id <= 0) return undefined;
  return `https://t.me/${channel}/${post.id}`;
}

/** The distinct links of posts, in order, those without a public page left out. */
export function postLinks(posts: ReadonlyArray<Pick<ChannelPost, 'channel' | 'id'>>, podcast: Pick<PodcastConfig, 'telegram_channels'>): string[] {
  return [...new Set(posts.map((post) => postLink(post, podcast)).filter((link): link is string => link !== undefined))];
}

/** Text on one line, cut at a word end to at most `maxChars` characters (an ellipsis marking the cut). */
export function plainText(text: string, maxChars: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= maxChars) return line;
  const cut = line.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxChars / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.—–-]+$/u, '')}…`;
}

/** A title from a story: its first sentence without the closing full stop, cut to `maxChars`. */
export function sentenceTitle(text: string, maxChars: number): string {
  const first = text.trim().split(/(?<=[.!?…])\s+/u)[0] ?? '';
  return plainText(first.replace(/[.;:,]+$/u, ''), maxChars);
}

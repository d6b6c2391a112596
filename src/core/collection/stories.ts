/**
 * One story, one mention: the same post forwarded to two channels of a podcast, or posted twice with the same words,
 * reaches the episode once. Pure.
 */
import { normaliseChannel } from '../channels.ts';
import type { ChannelPost } from '../ports.ts';

/** What identifies a story: its origin when forwarded (channel and id), else where it was posted. */
function originKey(post: ChannelPost): string {
  const origin = post.forwarded_from;
  if (origin?.channel && origin.id !== undefined) return `${normaliseChannel(origin.channel)}#${origin.id}`;
  return `${normaliseChannel(post.channel)}#${post.id}`;
}

/** The words of a post without links, case, punctuation or spacing: two posts with the same words are one story. */
function wordsKey(post: ChannelPost): string {
  return post.text
    .replace(/\bhttps?:\/\/\S+/giu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Splits posts into the stories kept and the repeats dropped. The earliest post of a story is kept (the original
 * before its forwards), with the media of the repeats it lacks.
 */
export function distinctStories(posts: readonly ChannelPost[]): { kept: ChannelPost[]; repeats: ChannelPost[] } {
  const ordered = [...posts].sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
  const byKey = new Map<string, ChannelPost>();
  const kept: ChannelPost[] = [];
  const repeats: ChannelPost[] = [];
  for (const post of ordered) {
    const keys = [originKey(post), `${normaliseChannel(post.channel)}#${post.id}`];
    const words = wordsKey(post);
    if (words) keys.push(`words:${words}`);
    const first = keys.map((k) => byKey.get(k)).find((p) => p !== undefined);
    if (first) {
      repeats.push(post);
      for (const m of post.media) if (!first.media.some((f) => (f.url ?? f.file) === (m.url ?? m.file))) first.media.push(m);
      for (const k of keys) if (!byKey.has(k)) byKey.set(k, first);
      continue;
    }
    const copy = { ...post, media: [...post.media] };
    kept.push(copy);
    for (const k of keys) byKey.set(k, copy);
  }
  return { kept, repeats };
}

/**
 * The order an episode tells its stories in: posts about one topic together (they share a hashtag or several
 * distinctive words), one channel's topics together, and the most substantial first — the longest post, weighted by
 * its views where the source shows them. Pure and deterministic: ties fall back to the post's date and id.
 */
import type { ChannelPost } from '../ports.ts';
import { countWords } from './length.ts';

/** A post as the writer tells it: its speakable text and how much it has to say. */
export interface Story {
  post: ChannelPost;
  /** What a host can read aloud (speakable()). */
  text: string;
  words: number;
  /** Words, weighted by views when the post has them: the order of importance. */
  substance: number;
}

export interface StoryGroup {
  /** The channel of the group's most substantial story: where the group sits in the episode. */
  channel: string;
  stories: Story[];
}

/** Words too common to say what a post is about. */
const COMMON = new Set(
  (
    'about after again against being below could doing during every first found going great having their there these ' +
    'those through today under until where which while would years other people still since right think thing things ' +
    'should never always really story stories number report reports said says will with from that this have been were ' +
    'what when your more into than them they just also some over only very like make made much many most next week ' +
    'here year back even well well'
  ).split(' '),
);

/** Distinctive words of a text: lower-case, four letters or more, not common. */
function keywords(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? [];
  return new Set(words.filter((w) => !COMMON.has(w) && !/^\p{N}+$/u.test(w)));
}

function hashtags(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<![\p{L}\p{N}_])#([\p{L}\p{N}_]{2,})/gu)].map((m) => m[1]!.toLowerCase()));
}

/** Two posts share a topic when they share a hashtag, or at least this many distinctive words … */
const SHARED_WORDS = 3;
/** … and those are at least this share of the smaller post's distinctive words. */
const SHARED_FRACTION = 0.25;

function sameTopic(a: { tags: Set<string>; words: Set<string> }, b: { tags: Set<string>; words: Set<string> }): boolean {
  for (const tag of a.tags) if (b.tags.has(tag)) return true;
  let shared = 0;
  for (const word of a.words) if (b.words.has(word)) shared++;
  return shared >= SHARED_WORDS && shared >= SHARED_FRACTION * Math.min(a.words.size, b.words.size);
}

/** Most substantial first; ties by date, then id, so the order never depends on the input's order. */
export function bySubstance(a: Story, b: Story): number {
  return b.substance - a.substance || a.post.date.localeCompare(b.post.date) || a.post.channel.localeCompare(b.post.channel) || a.post.id - b.post.id;
}

/** A story of a post: its words, and its substance (words × (1 + log10(1 + views)) when it shows views). */
export function storyOf(post: ChannelPost, text: string): Story {
  const words = countWords(text);
  return { post, text, words, substance: words * (post.views !== undefined ? 1 + Math.log10(1 + Math.max(0, post.views)) : 1) };
}

/**
 * The stories in the order they are told, in groups: each topic's stories together (most substantial first), each
 * channel's groups together, channels and groups ordered by their most substantial story.
 */
export function groupStories(stories: readonly Story[]): StoryGroup[] {
  const ranked = [...stories].sort(bySubstance);
  const features = ranked.map((s) => ({ tags: hashtags(s.post.text), words: keywords(s.text) }));
  // Union-find over "same topic": a topic is everything connected by shared hashtags or words.
  const parent = ranked.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  for (let i = 0; i < ranked.length; i++) {
    for (let j = i + 1; j < ranked.length; j++) {
      if (root(i) !== root(j) && sameTopic(features[i]!, features[j]!)) parent[Math.max(root(i), root(j))] = Math.min(root(i), root(j));
    }
  }
  // Roots are the lowest index of their topic, so a group's first story is its most substantial.
  const topics = new Map<number, Story[]>();
  ranked.forEach((story, i) => {
    const r = root(i);
    topics.set(r, [...(topics.get(r) ?? []), story]);
  });
  const groups = [...topics.values()].map((members) => ({ channel: members[0]!.post.channel, stories: members }));
  // Channels in the order of their best group; a channel's groups stay together.
  const channelRank = new Map<string, number>();
  groups.forEach((g, i) => channelRank.has(g.channel) || channelRank.set(g.channel, i));
  return groups
    .map((g, i) => ({ g, i }))
    .sort((a, b) => channelRank.get(a.g.channel)! - channelRank.get(b.g.channel)! || a.i - b.i)
    .map(({ g }) => g);
}

/**
 * The offline ScriptWriter: a deterministic two-host dialogue built from the collected posts (intro with the podcast's
 * name and slogan, one segment per story, quick hits for the rest, outro). Same input, same script — which is what the
 * tests and a replayed message need. An LLM-backed writer can replace it behind the same port.
 */
import type { Language, PodcastConfig } from '../contracts.ts';
import type { ChannelPost, EpisodeContent, ScriptWriter } from '../ports.ts';
import type { Script, ScriptTurn, SpeakerId } from './script.ts';
import { domainOf } from '../collection/post-rules.ts';
import { voiceCast } from './engines.ts';

/** Stories that get a full segment per long-form round; the rest are read as quick hits. */
export const SEGMENTS_PER_ROUND = 6;
/** Words of a post read in a full segment per long-form round. */
const WORDS_PER_SEGMENT = 70;
const WORDS_PER_QUICK_HIT = 25;

interface Phrases {
  welcome(name: string, slogan: string): string;
  introduce(host: string, role: string): string;
  reply(host: string, role: string, count: number, channels: string): string;
  lead(index: number, channel: string): string[];
  react: string[];
  /** For a one-sentence story: the co-host acknowledges instead of asking for more. */
  acknowledge: string[];
  source(domain: string): string;
  quickHits: string;
  quickHitsReply: string;
  outroThanks(other: string): string;
  outro(name: string, slogan: string, creator: string): string;
  noStories: string;
}

const PHRASES: Record<Language, Phrases> = {
  en: {
    welcome: (name, slogan) => `Welcome to ${name}${slogan ? `, ${slogan}` : ''}.`,
    introduce: (host, role) => `I'm ${host}, your ${role}.`,
    reply: (host, role, count, channels) =>
      `And I'm ${host}, ${role}. Today we have ${count} ${count === 1 ? 'story' : 'stories'} from ${channels}. Let's dive in.`,
    lead: (i, channel) =>
      i === 0
        ? [`First up, from ${channel}.`]
        : [`Next, ${channel} reports this.`, `Here's another one from ${channel}.`, `Moving on, ${channel} has this.`],
    acknowledge: ['Short and to the point.', 'Good to know.', 'Noted, and worth watching.', 'That one speaks for itself.'],
    react: [
      'Interesting. What stands out to you there?',
      'So why does that matter for our listeners?',
      'Wait, can you unpack that a little?',
      "That's a big deal. What's the catch?",
      'Think of it like a shortcut everyone suddenly gets to use. Is that fair?',
    ],
    source: (domain) => `The full story is linked on ${domain}.`,
    quickHits: 'A few quick hits before we wrap up.',
    quickHitsReply: "Let's go through them quickly.",
    outroThanks: (other) => `That's all for today. Thanks, ${other}.`,
    outro: (name, slogan, creator) =>
      `Thanks for listening to ${name}${creator ? `, brought to you by ${creator}` : ''}.${slogan ? ` ${slogan}.` : ''} See you next time.`,
    noStories: 'It was a quiet day on the channel.',
  },
  he: {
    welcome: (name, slogan) => `ברוכים הבאים ל${name}${slogan ? `, ${slogan}` : ''}.`,
    introduce: (host, role) => `אני ${host}, ${role}.`,
    reply: (host, role, count, channels) => `ואני ${host}, ${role}. היום יש לנו ${count} סיפורים מ${channels}. בואו נתחיל.`,
    lead: (i, channel) => (i === 0 ? [`נתחיל עם ${channel}.`] : [`הלאה, ${channel} מדווח.`, `עוד סיפור מ${channel}.`]),
    acknowledge: ['קצר ולעניין.', 'טוב לדעת.', 'שווה לעקוב אחרי זה.'],
    react: ['מעניין. מה בולט לך כאן?', 'ולמה זה חשוב למאזינים שלנו?', 'רגע, אפשר להסביר את זה קצת יותר?', 'זה משמעותי. מה המלכוד?'],
    source: (domain) => `הכתבה המלאה נמצאת ב${domain}.`,
    quickHits: 'כמה עדכונים קצרים לפני שנסיים.',
    quickHitsReply: 'בוא נעבור עליהם מהר.',
    outroThanks: (other) => `זה הכול להיום. תודה, ${other}.`,
    outro: (name, slogan, creator) =>
      `תודה שהאזנתם ל${name}${creator ? `, בהפקת ${creator}` : ''}.${slogan ? ` ${slogan}.` : ''} נתראה בפעם הבאה.`,
    noStories: 'היה יום שקט בערוץ.',
  },
};

const EMOJI = /[\p{Extended_Pictographic}\u{1F1E6}-\u{1F1FF}\u{FE0F}\u{200D}\u{20E3}]/gu;
const URL = /\bhttps?:\/\/\S+/giu;

/** The language a text is written in, by its letters: Hebrew or Latin script, whichever has more. */
export function languageOf(text: string): Language | undefined {
  const hebrew = text.match(/\p{Script=Hebrew}/gu)?.length ?? 0;
  const latin = text.match(/\p{Script=Latin}/gu)?.length ?? 0;
  if (hebrew === 0 && latin === 0) return undefined;
  return hebrew > latin ? 'he' : 'en';
}

/**
 * What a host can say aloud: no URLs, emoji, markdown markers, trailing hashtags, or labels left dangling by a removed
 * link ("Release notes:"); `@name` and `#tag` inside a sentence are read as words.
 */
export function speakable(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .replace(URL, '')
        .replace(EMOJI, '')
        .replace(/(?:\s*#[\p{L}\p{N}_]+)+\s*$/u, '')
        .replace(/(^|\s)[@#]([\p{L}\p{N}_]+)/gu, '$1$2')
        .replace(/[*_`>|~]+/g, ' ')
        .replace(/\s+([.,!?;:])/g, '$1')
        .replace(/(^|[.!?]\s+)[^.!?:]{0,40}:\s*$/u, '$1')
        .trim(),
    )
    .filter(Boolean)
    .map((line) => (/[.!?…:;,—–-]$/u.test(line) ? line : `${line}.`))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The first `maxWords` words, cut at a sentence end when one is near, else with an ellipsis. */
export function excerpt(text: string, maxWords: number): string {
  const words = text.split(' ').filter(Boolean);
  if (words.length <= maxWords) return words.join(' ');
  const cut = words.slice(0, maxWords).join(' ');
  const lastStop = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('! '), cut.lastIndexOf('? '));
  return lastStop > cut.length / 2 ? cut.slice(0, lastStop + 1) : `${cut}…`;
}

/** A stable small number from a string, to vary phrasing without randomness. */
function pick<T>(items: readonly T[], seed: string): T {
  let h = 0;
  for (const ch of seed) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return items[h % items.length] as T;
}

function channelName(channel: string): string {
  return channel.replace(/^@/, '').replace(/_/g, ' ');
}

export class DialogueScriptWriter implements ScriptWriter {
  async write(podcast: PodcastConfig, content: EpisodeContent): Promise<Script> {
    return writeDialogue(podcast, content);
  }
}

/** Builds the two-host script: deterministic, never empty, both hosts speak, in the podcast's language. */
export function writeDialogue(podcast: PodcastConfig, content: EpisodeContent): Script {
  const lang = podcast.language;
  const p = PHRASES[lang];
  const cast = voiceCast(podcast);
  const { person1, person2 } = podcast.speakers;
  const turns: ScriptTurn[] = [];
  const say = (speaker: SpeakerId, text: string, section: string): void => {
    const clean = speakable(text);
    if (!clean) return;
    // A Hebrew post in an English show (or the reverse) is read by a voice of its own language, same host.
    const voice = cast.line(speaker, languageOf(clean));
    turns.push({ speaker, text: clean, section, ...(voice ? { voice } : {}) });
  };

  const stories = content.posts.filter((post) => speakable(post.text).length > 0);
  const channels = [...new Set(content.channels.map(channelName))].join(', ');
  say('person1', `${p.welcome(podcast.name, podcast.slogan)} ${p.introduce(person1.name, person1.role)}`, 'intro');
  say('person2', p.reply(person2.name, person2.role, stories.length, channels), 'intro');

  const fullCount = SEGMENTS_PER_ROUND * podcast.long_form_rounds;
  const words = WORDS_PER_SEGMENT * podcast.long_form_rounds;
  stories.slice(0, fullCount).forEach((post, i) => segment(post, i));
  const rest = stories.slice(fullCount);
  if (rest.length > 0) {
    say('person1', p.quickHits, 'quick-hits');
    say('person2', p.quickHitsReply, 'quick-hits');
    rest.forEach((post, i) => say(i % 2 === 0 ? 'person1' : 'person2', excerpt(speakable(post.text), WORDS_PER_QUICK_HIT), 'quick-hits'));
  }
  if (stories.length === 0) say('person1', p.noStories, 'segment-1');

  say('person2', p.outroThanks(person1.name), 'outro');
  say('person1', p.outro(podcast.name, podcast.slogan, podcast.creator), 'outro');

  return {
    language: lang,
    title: `${podcast.name} — ${content.window.to.slice(0, 10)}`,
    speakers: {
      person1: { name: person1.name, role: person1.role, voice: cast.speaker('person1') },
      person2: { name: person2.name, role: person2.role, voice: cast.speaker('person2') },
    },
    turns,
  };

  function segment(post: ChannelPost, index: number): void {
    const section = `segment-${index + 1}`;
    const seed = `${post.channel}#${post.id}`;
    const text = speakable(post.text);
    const sentences = text.split(/(?<=[.!?…])\s+/u);
    // The presenter opens with the headline; the co-host reacts; the presenter gives the rest and the source.
    const headline = excerpt(sentences[0] ?? text, Math.min(words, 40));
    const body = excerpt(sentences.slice(1).join(' '), words);
    const domains = [...new Set(post.links.map(domainOf).filter((d): d is string => Boolean(d)))];
    const source = domains[0] ? p.source(domains[0]) : '';
    say('person1', `${pick(p.lead(index, channelName(post.channel)), seed)} ${headline}`, section);
    if (body) {
      say('person2', pick(p.react, seed), section);
      say('person1', `${body} ${source}`, section);
    } else {
      say('person2', `${pick(p.acknowledge, seed)} ${source}`, section);
    }
  }
}

/**
 * The offline ScriptWriter: a deterministic two-host dialogue built from the collected posts. Promotional posts are
 * dropped (promotional.ts); the rest are grouped (one channel's posts together, and within it the posts about one
 * topic), the most substantial first, with a spoken transition between groups; and the script is fitted to the
 * podcast's word budget (length.ts): never over its target by more than 15 %, the least substantial stories left out
 * and the longest shortened when the posts hold more, and shorter, saying why, when they hold less (never filler).
 * Same input, same script — which is what the tests and a replayed message need. An LLM-backed writer can replace it
 * behind the same port.
 */
import type { Language, PodcastConfig } from '../contracts.ts';
import type { ChannelPost, EpisodeContent, ScriptWriter } from '../ports.ts';
import { MAX_CHAPTER_TITLE_CHARS, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, type Script, type ScriptChapter, type ScriptGeneration, type ScriptTurn, type SpeakerId } from './script.ts';
import { SECTION_TITLES, plainText, postLinks, sectionTitle, sentenceTitle } from './chapters.ts';
import { domainOf } from '../collection/post-rules.ts';
import { voiceCast } from './engines.ts';
import { LENGTH_TOLERANCE, countWords, scriptWords, targetMinutes, wordBudget, wordsPerMinute } from './length.ts';
import { promotionalSignal } from './promotional.ts';
import { bySubstance, groupStories, storyOf, type Story, type StoryGroup } from './story-groups.ts';

/** A story cut shorter than this many words is left out instead: a few words of a post tell the listener nothing. */
export const MIN_STORY_WORDS = 30;
/** Words of the opening sentence the presenter reads as the headline. */
const HEADLINE_WORDS = 40;
/** A story's body is told in parts of about this many words, the co-host speaking between them (long_form_rounds). */
const WORDS_PER_PART = 60;

interface Phrases {
  welcome(name: string, slogan: string): string;
  introduce(host: string, role: string): string;
  reply(host: string, role: string, count: number, channels: string): string;
  /** The first story of the show. */
  firstLead(channel: string): string;
  /** The first story of a group. */
  groupLead(channel: string): string[];
  /** A further story on the group's topic. */
  sameTopic(channel: string): string[];
  /** The co-host's transition to a group from another channel, and to another topic on the same channel. */
  toChannel(channel: string): string[];
  newTopic: string[];
  react: string[];
  /** Between two parts of a long story (long_form_rounds). */
  interject: string[];
  /** For a one-sentence story: the co-host acknowledges instead of asking for more. */
  acknowledge: string[];
  source(domain: string): string;
  outroThanks(other: string): string;
  outro(name: string, slogan: string, creator: string): string;
  noStories: string;
  /** The episode's title from its lead story, when `more` stories follow it. */
  title(lead: string, more: number): string;
  /** The episode's description (script.ts `description`): who talks about how many stories, and the first ones. */
  description(hosts: [string, string], count: number, channels: string, titles: string[]): string;
  /** How a host is directed (Script speakers' `instructions`, read by voice engines that take direction). */
  instructions(host: string, role: string, podcast: string, style: string): string;
}

const PHRASES: Record<Language, Phrases> = {
  en: {
    welcome: (name, slogan) => `Welcome to ${name}${slogan ? `, ${slogan}` : ''}.`,
    introduce: (host, role) => `I'm ${host}, your ${role}.`,
    reply: (host, role, count, channels) =>
      `And I'm ${host}, ${role}. Today we have ${count} ${count === 1 ? 'story' : 'stories'} from ${channels}. Let's dive in.`,
    firstLead: (channel) => `First up, from ${channel}.`,
    groupLead: (channel) => [`${channel} reports this.`, `Here's one from ${channel}.`, `This comes from ${channel}.`],
    sameTopic: (channel) => [`Staying with that, ${channel} adds this.`, `More on the same subject from ${channel}.`, `Related to that, from ${channel}.`],
    toChannel: (channel) => [`Let's turn to ${channel}.`, `Over to ${channel} now.`, `What's new on ${channel}?`],
    newTopic: ['On to something different.', 'Now, a change of subject.', "What's next?"],
    acknowledge: ['Short and to the point.', 'Good to know.', 'Noted, and worth watching.', 'That one speaks for itself.'],
    react: [
      'Interesting. What stands out to you there?',
      'So why does that matter for our listeners?',
      'Wait, can you unpack that a little?',
      "That's a big deal. What's the catch?",
      'Think of it like a shortcut everyone suddenly gets to use. Is that fair?',
    ],
    interject: ['Go on.', 'And then what?', 'Right. What else?', 'Okay, keep going.'],
    source: (domain) => `The full story is linked on ${domain}.`,
    outroThanks: (other) => `That's all for today. Thanks, ${other}.`,
    outro: (name, slogan, creator) =>
      `Thanks for listening to ${name}${creator ? `, brought to you by ${creator}` : ''}.${slogan ? ` ${slogan}.` : ''} See you next time.`,
    noStories: 'It was a quiet day on the channel.',
    title: (lead, more) => (more === 0 ? lead : `${lead}, and ${more === 1 ? 'one more story' : `${more} more stories`}`),
    description: ([a, b], count, channels, titles) =>
      `${a} and ${b} talk about ${count === 1 ? 'one story' : `${count} stories`} from ${channels}: ${titles.join('; ')}${count > titles.length ? '; and more' : ''}.`,
    instructions: (host, role, podcast, style) =>
      `You are ${host}, the ${role} of the podcast ${podcast}, in a conversation with your co-host. Speak English. Conversation style: ${style}.`,
  },
  he: {
    welcome: (name, slogan) => `ברוכים הבאים ל${name}${slogan ? `, ${slogan}` : ''}.`,
    introduce: (host, role) => `אני ${host}, ${role}.`,
    reply: (host, role, count, channels) => `ואני ${host}, ${role}. היום יש לנו ${count} סיפורים מ${channels}. בואו נתחיל.`,
    firstLead: (channel) => `נתחיל עם ${channel}.`,
    groupLead: (channel) => [`${channel} מדווח.`, `הנה סיפור מ${channel}.`],
    sameTopic: (channel) => [`באותו נושא, ${channel} מוסיף.`, `ועוד על זה מ${channel}.`],
    toChannel: (channel) => [`בוא נעבור ל${channel}.`, `ומה חדש ב${channel}?`],
    newTopic: ['ועכשיו למשהו אחר.', 'נושא אחר.', 'מה הלאה?'],
    acknowledge: ['קצר ולעניין.', 'טוב לדעת.', 'שווה לעקוב אחרי זה.'],
    react: ['מעניין. מה בולט לך כאן?', 'ולמה זה חשוב למאזינים שלנו?', 'רגע, אפשר להסביר את זה קצת יותר?', 'זה משמעותי. מה המלכוד?'],
    interject: ['תמשיך.', 'ומה אז?', 'נכון. מה עוד?'],
    source: (domain) => `הכתבה המלאה נמצאת ב${domain}.`,
    outroThanks: (other) => `זה הכול להיום. תודה, ${other}.`,
    outro: (name, slogan, creator) =>
      `תודה שהאזנתם ל${name}${creator ? `, בהפקת ${creator}` : ''}.${slogan ? ` ${slogan}.` : ''} נתראה בפעם הבאה.`,
    noStories: 'היה יום שקט בערוץ.',
    title: (lead, more) => (more === 0 ? lead : `${lead}, ועוד ${more === 1 ? 'סיפור אחד' : `${more} סיפורים`}`),
    description: ([a, b], count, channels, titles) =>
      `${a} ו${b} מדברים על ${count === 1 ? 'סיפור אחד' : `${count} סיפורים`} מ${channels}: ${titles.join('; ')}${count > titles.length ? '; ועוד' : ''}.`,
    instructions: (host, role, podcast, style) =>
      `You are ${host}, the ${role} of the podcast ${podcast}, in a conversation with your co-host. Speak Hebrew. Conversation style: ${style}.`,
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

/** The stories an episode tells and how long each may be: `cap` words of a story's own text at most. */
interface Plan {
  groups: StoryGroup[];
  count: number;
  cap: number;
}

/**
 * Builds the two-host script: deterministic, never empty, both hosts speak, in the podcast's language, fitted to the
 * podcast's word budget (wordBudget), with `generation` saying how long it is against the target and what was left out.
 */
export function writeDialogue(podcast: PodcastConfig, content: EpisodeContent): Script {
  const lang = podcast.language;
  const p = PHRASES[lang];
  const cast = voiceCast(podcast);
  const { person1, person2 } = podcast.speakers;

  let promotional = 0;
  const stories: Story[] = [];
  for (const post of content.posts) {
    const text = speakable(post.text);
    if (!text) continue;
    if (promotionalSignal(post)) promotional++;
    else stories.push(storyOf(post, text));
  }
  const ranked = [...stories].sort(bySubstance);
  const grouped = groupStories(ranked);
  const channels = [...new Set(content.channels.map(channelName))].join(', ');

  /** The script of the `count` most substantial stories, each cut to `cap` words. */
  const planFor = (count: number, cap: number): Plan => {
    const chosen = new Set(ranked.slice(0, count));
    const groups = grouped.map((g) => ({ ...g, stories: g.stories.filter((s) => chosen.has(s)) })).filter((g) => g.stories.length);
    return { groups, count, cap };
  };
  const build = (count: number, cap: number): ScriptTurn[] => dialogue(planFor(count, cap));

  // Fit: every story in full when that is within the budget; else the least substantial left out until the rest fit at
  // MIN_STORY_WORDS each, then every story as long as the budget allows (the longest are the ones shortened).
  const budget = wordBudget(podcast);
  const longest = Math.max(MIN_STORY_WORDS, ...ranked.map((s) => s.words));
  let count = ranked.length;
  let cap = longest;
  let turns = build(count, cap);
  if (scriptWords({ turns }) > budget) {
    count = largest(0, ranked.length, (k) => k === 0 || scriptWords({ turns: build(k, MIN_STORY_WORDS) }) <= budget);
    cap = largest(MIN_STORY_WORDS, longest, (c) => c === MIN_STORY_WORDS || scriptWords({ turns: build(count, c) }) <= budget);
    turns = build(count, cap);
  }

  const target = targetMinutes(podcast);
  const words = scriptWords({ turns });
  const estimated = Math.round((words / wordsPerMinute(podcast)) * 10) / 10;
  const generation: ScriptGeneration = {
    writer: 'offline',
    target_minutes: target,
    words,
    estimated_minutes: estimated,
    posts_left_out: ranked.length - count,
    promotional_dropped: promotional,
  };
  if (words < LENGTH_TOLERANCE.below * budget) generation.short_because = shortBecause(ranked.length, promotional, estimated);
  const style = podcast.conversation_style.length ? podcast.conversation_style.join(', ') : 'natural';
  const feed = feedTexts(planFor(count, cap), turns);

  return {
    language: lang,
    ...feed,
    speakers: {
      person1: { name: person1.name, role: person1.role, voice: cast.speaker('person1'), instructions: p.instructions(person1.name, person1.role, podcast.name, style) },
      person2: { name: person2.name, role: person2.role, voice: cast.speaker('person2'), instructions: p.instructions(person2.name, person2.role, podcast.name, style) },
    },
    turns,
    generation,
  };

  function shortBecause(posts: number, dropped: number, minutes: number): string {
    const ads = dropped ? ` (${dropped} promotional ${dropped === 1 ? 'post' : 'posts'} dropped)` : '';
    if (posts === 0) return dropped ? `every post was promotional${ads}` : 'there were no posts to talk about';
    return `the ${posts === 1 ? 'one post holds' : `${posts} posts hold`} about ${minutes} minutes${ads}`;
  }

  /**
   * The episode's title, description and chapters, from the stories told: each segment is titled by its lead story's
   * first sentence and sourced by its posts' links; the title is the lead story's; the description names the hosts,
   * the count and the first stories. A day without stories keeps the dated show name.
   */
  function feedTexts(plan: Plan, turns: ScriptTurn[]): Pick<Script, 'title' | 'description' | 'chapters'> {
    const segmentTitles = plan.groups.map((group, g) => sentenceTitle(group.stories[0]!.text, MAX_CHAPTER_TITLE_CHARS) || SECTION_TITLES[lang].segment(g + 1));
    const sections = [...new Set(turns.map((turn) => turn.section))];
    const chapters: ScriptChapter[] = sections.map((section) => {
      const n = Number(/^segment-(\d+)$/.exec(section)?.[1]);
      const group = plan.groups[n - 1];
      if (group) return { section, title: segmentTitles[n - 1]!, sources: postLinks(group.stories.map((story) => story.post), podcast) };
      if (section.startsWith('segment-') && plan.groups.length === 0) return { section, title: sentenceTitle(p.noStories, MAX_CHAPTER_TITLE_CHARS), sources: [] };
      return { section, title: sectionTitle(lang, section), sources: [] };
    });
    if (plan.groups.length === 0) {
      return { title: plainText(`${podcast.name} — ${content.window.to.slice(0, 10)}`, MAX_TITLE_CHARS), description: plainText(p.noStories, MAX_DESCRIPTION_CHARS), chapters };
    }
    const more = plan.count - 1;
    // The lead's title is cut first so that the count of the other stories always fits.
    const room = MAX_TITLE_CHARS - (p.title('', more).length);
    const title = plainText(p.title(plainText(segmentTitles[0]!, room), more), MAX_TITLE_CHARS);
    const description = plainText(p.description([person1.name, person2.name], plan.count, channels, segmentTitles.slice(0, 3)), MAX_DESCRIPTION_CHARS);
    return { title, description, chapters };
  }

  function dialogue(plan: Plan): ScriptTurn[] {
    const turns: ScriptTurn[] = [];
    const say = (speaker: SpeakerId, text: string, section: string): void => {
      const clean = speakable(text);
      if (!clean) return;
      // A Hebrew post in an English show (or the reverse) is read by a voice of its own language, same host.
      const voice = cast.line(speaker, languageOf(clean));
      turns.push({ speaker, text: clean, section, ...(voice ? { voice } : {}) });
    };
    say('person1', `${p.welcome(podcast.name, podcast.slogan)} ${p.introduce(person1.name, person1.role)}`, 'intro');
    say('person2', p.reply(person2.name, person2.role, plan.count, channels), 'intro');
    plan.groups.forEach((group, g) => {
      const section = `segment-${g + 1}`;
      const previous = plan.groups[g - 1];
      const seed = `${group.stories[0]!.post.channel}#${group.stories[0]!.post.id}`;
      if (previous) say('person2', previous.channel === group.channel ? pick(p.newTopic, seed) : pick(p.toChannel(channelName(group.channel)), seed), section);
      group.stories.forEach((story, i) => {
        const channel = channelName(story.post.channel);
        const lead = g === 0 && i === 0 ? p.firstLead(channel) : i === 0 ? pick(p.groupLead(channel), seed) : pick(p.sameTopic(channel), `${seed}/${i}`);
        tell(story, lead.charAt(0).toUpperCase() + lead.slice(1), section, plan.cap, say);
      });
    });
    if (plan.groups.length === 0) say('person1', p.noStories, 'segment-1');
    say('person2', p.outroThanks(person1.name), 'outro');
    say('person1', p.outro(podcast.name, podcast.slogan, podcast.creator), 'outro');
    return turns;
  }

  /**
   * One story: the presenter opens with the headline; the co-host reacts; the presenter gives the rest, in up to
   * long_form_rounds parts with the co-host between them, and the source. A one-sentence story is acknowledged.
   */
  function tell(story: Story, lead: string, section: string, cap: number, say: (speaker: SpeakerId, text: string, section: string) => void): void {
    const seed = `${story.post.channel}#${story.post.id}`;
    const sentences = story.text.split(/(?<=[.!?…])\s+/u);
    const headline = excerpt(sentences[0] ?? story.text, Math.min(cap, HEADLINE_WORDS));
    const rest = cap - countWords(headline);
    const body = rest > 0 ? excerpt(sentences.slice(1).join(' '), rest) : '';
    const domains = [...new Set(story.post.links.map(domainOf).filter((d): d is string => Boolean(d)))];
    const source = domains[0] ? p.source(domains[0]) : '';
    say('person1', `${lead} ${headline}`, section);
    if (!body) {
      say('person2', `${pick(p.acknowledge, seed)} ${source}`, section);
      return;
    }
    say('person2', pick(p.react, seed), section);
    const parts = splitParts(body, podcast.long_form_rounds);
    parts.forEach((part, i) => {
      if (i > 0) say('person2', pick(p.interject, `${seed}/${i}`), section);
      say('person1', i === parts.length - 1 ? `${part} ${source}` : part, section);
    });
  }
}

/** A body in at most `parts` pieces of about WORDS_PER_PART words or more, cut at sentence ends. */
function splitParts(body: string, parts: number): string[] {
  const sentences = body.split(/(?<=[.!?…])\s+/u);
  const total = countWords(body);
  const size = Math.max(WORDS_PER_PART, Math.ceil(total / Math.max(1, parts)));
  const out: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of sentences) {
    current.push(sentence);
    words += countWords(sentence);
    if (words >= size && out.length < parts - 1) {
      out.push(current.join(' '));
      current = [];
      words = 0;
    }
  }
  if (current.length) out.push(current.join(' '));
  return out;
}

/** The largest n in [low, high] for which `fits(n)` holds, `fits` being true at `low` and (near enough) monotone. */
function largest(low: number, high: number, fits: (n: number) => boolean): number {
  let lo = low;
  let hi = high;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

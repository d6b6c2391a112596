/**
 * Length of offline episodes: for sample inputs of 5, 30 and 300 posts and targets of 5, 10 and 20 minutes, the offline
 * writer's script spoken by espeak-ng with the renderer's pauses (real audio, counted in samples by an encoder that
 * keeps nothing), its duration against the target and whether it falls within ±15 % (or, when the posts hold less,
 * the reason the script records). Also measures espeak-ng's words per minute per language, pauses included: the
 * figure VOICE_ENGINE_SPECS.espeak.wordsPerMinute holds. Run by `make bench` (bench/run.ts) or alone:
 * `node --import tsx bench/length-offline.ts`.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { EspeakSynthesizer } from '../src/adapters/espeak-synthesizer.ts';
import { parsePodcastConfig, type Language, type PodcastConfig } from '../src/core/contracts.ts';
import { writeDialogue } from '../src/core/generation/dialogue-writer.ts';
import { LENGTH_TOLERANCE, scriptWords } from '../src/core/generation/length.ts';
import { renderEpisodeAudio } from '../src/core/generation/render-audio.ts';
import type { AudioEncoder, ChannelPost, EpisodeContent } from '../src/core/ports.ts';
// Mulberry32, seeded: every run uses the same posts and script.
import { seededRandom } from '../src/local/fault-proxy.ts';

/** An encoder that only counts: the renderer's duration is exact from samples, and nothing is kept or encoded. */
class CountingEncoder implements AudioEncoder {
  samples = 0;
  constructor(readonly sampleRate: number) {}
  async write(samples: Int16Array): Promise<void> {
    this.samples += samples.length;
  }
  async finish(): Promise<{ bytes: number }> {
    return { bytes: 0 };
  }
}

const SENTENCES: Record<Language, { subjects: string[]; verbs: string[]; objects: string[]; tails: string[]; follow: string[] }> = {
  en: {
    subjects: ['The city council', 'A local startup', 'The transport ministry', 'Researchers at the university', 'The central bank', 'The football club', 'A group of volunteers', 'The chip maker'],
    verbs: ['announced', 'published', 'debated', 'rejected', 'approved', 'questioned', 'postponed', 'presented'],
    objects: ['a new budget for schools and hospitals', 'a plan to extend the night buses', 'a two-year study on air quality', 'a change to interest rates', 'more bicycle lanes downtown', 'a report on housing prices', 'a faster processor for laptops', 'a campaign to clean the river banks'],
    tails: ['on Monday morning', 'after weeks of discussion', 'despite strong opposition', 'in a short statement', 'ahead of the elections', 'following public pressure'],
    follow: [
      'Critics say the numbers do not add up, and they want an independent review.',
      'Supporters argue that it will pay for itself within five years.',
      'The details will be published next week.',
      'It is the third time this year that the issue has come up.',
      'Nobody has said yet who will pay for it, which is the real question.',
      'Several residents shared photos from the meeting, and the mood was tense.',
    ],
  },
  he: {
    subjects: ['מועצת העיר', 'סטארט-אפ מקומי', 'משרד התחבורה', 'חוקרים באוניברסיטה', 'בנק ישראל', 'קבוצת הכדורגל', 'קבוצת מתנדבים', 'יצרנית השבבים'],
    verbs: ['הודיעו על', 'פרסמו', 'דנו ב', 'דחו את', 'אישרו את', 'הציגו את'],
    objects: ['תקציב חדש לבתי ספר', 'תוכנית להרחבת קווי הלילה', 'מחקר על איכות האוויר', 'שינוי בריבית', 'שבילי אופניים חדשים במרכז', 'דוח על מחירי הדיור', 'מעבד מהיר למחשבים ניידים'],
    tails: ['ביום שני בבוקר', 'אחרי שבועות של דיונים', 'למרות התנגדות חזקה', 'בהודעה קצרה', 'לפני הבחירות'],
    follow: [
      'המבקרים אומרים שהמספרים לא מסתדרים ודורשים בדיקה עצמאית.',
      'התומכים טוענים שהתוכנית תחזיר את עצמה בתוך חמש שנים.',
      'הפרטים יפורסמו בשבוע הבא.',
      'זו הפעם השלישית השנה שהנושא עולה.',
      'עדיין לא ברור מי ישלם על זה, וזו השאלה האמיתית.',
    ],
  },
};

/** `count` posts from three channels, one to six sentences each, most with view counts, one in twenty an advert. */
export function samplePosts(count: number, language: Language = 'en', seed = 11): ChannelPost[] {
  const next = seededRandom(seed);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const s = SENTENCES[language];
  return Array.from({ length: count }, (_, i) => {
    const sentences = [`${pick(s.subjects)} ${pick(s.verbs)} ${pick(s.objects)} ${pick(s.tails)}.`];
    for (let k = Math.floor(next() * 6); k > 0; k--) sentences.push(pick(s.follow));
    const advert = i % 20 === 19;
    return {
      channel: ['city_news', 'tech_daily', 'money_talk'][i % 3]!,
      id: i + 1,
      date: new Date(Date.UTC(2026, 10, 29, 0, i)).toISOString(),
      text: advert ? `Sponsored\n${sentences[0]} Use code SAVE20 for 20% off.` : sentences.join(' '),
      links: i % 4 === 0 ? [`https://news.example.com/${i + 1}`] : [],
      media: [],
      ...(i % 5 !== 0 ? { views: Math.floor(next() * 50_000) } : {}),
    };
  });
}

function podcastFor(language: Language, targetMinutes: number): PodcastConfig {
  return parsePodcastConfig({
    podcast_id: 'length-bench',
    name: language === 'he' ? 'דופק העיר' : 'City Pulse',
    creator: 'Telecast',
    slogan: '',
    language,
    telegram_channels: ['@city_news', '@tech_daily', '@money_talk'],
    target_minutes: targetMinutes,
    voice_engine: 'espeak',
  });
}

function contentOf(podcast: PodcastConfig, posts: ChannelPost[]): EpisodeContent {
  return {
    schema_version: 1,
    podcast_id: podcast.podcast_id,
    episode_id: '20261129T070000000Z',
    channels: ['city_news', 'tech_daily', 'money_talk'],
    window: { from: '2026-11-28T07:00:00.000Z', to: '2026-11-29T07:00:00.000Z' },
    collected_at: '2026-11-29T07:00:01.000Z',
    posts,
  };
}

export interface LengthFigures {
  words: number;
  audioSeconds: number;
  shortBecause?: string;
  postsLeftOut: number;
  promotionalDropped: number;
}

/** The offline script for `posts` and a target, spoken by espeak-ng: its words and its real duration. */
export async function speakOffline(synthesizer: EspeakSynthesizer, posts: number, target: number, language: Language = 'en'): Promise<LengthFigures> {
  const podcast = podcastFor(language, target);
  const script = writeDialogue(podcast, contentOf(podcast, samplePosts(posts, language)));
  const encoder = new CountingEncoder(synthesizer.sampleRate);
  const { durationSeconds } = await renderEpisodeAudio(script, { synthesizer, encoder });
  return {
    words: scriptWords(script),
    audioSeconds: durationSeconds,
    postsLeftOut: script.generation?.posts_left_out ?? 0,
    promotionalDropped: script.generation?.promotional_dropped ?? 0,
    ...(script.generation?.short_because ? { shortBecause: script.generation.short_because } : {}),
  };
}

/** The words of a script spoken by espeak-ng, and its real duration. */
async function spoken(synthesizer: EspeakSynthesizer, podcast: PodcastConfig, posts: ChannelPost[]): Promise<{ words: number; seconds: number }> {
  const script = writeDialogue(podcast, contentOf(podcast, posts));
  const { durationSeconds } = await renderEpisodeAudio(script, { synthesizer, encoder: new CountingEncoder(synthesizer.sampleRate) });
  return { words: scriptWords(script), seconds: durationSeconds };
}

/**
 * The posts of the sample channel export (test/fixtures/telegram-export/result.json): real tech-channel text, with the
 * version numbers, acronyms and domains espeak-ng spells out, so it runs slower per counted word than plain prose.
 */
async function channelSamplePosts(): Promise<ChannelPost[]> {
  const path = fileURLToPath(new URL('../test/fixtures/telegram-export/result.json', import.meta.url));
  const exported = JSON.parse(await readFile(path, 'utf8')) as { messages: Array<{ id: number; type: string; text: string | Array<string | { text: string }> }> };
  return exported.messages
    .filter((m) => m.type === 'message')
    .map((m, i) => ({
      channel: 'city_news',
      id: m.id,
      date: new Date(Date.UTC(2026, 10, 29, 0, i)).toISOString(),
      text: typeof m.text === 'string' ? m.text : m.text.map((t) => (typeof t === 'string' ? t : t.text)).join(''),
      links: [],
      media: [],
    }))
    .filter((p) => p.text.length >= 20);
}

/**
 * espeak-ng's speaking rate with the renderer's pauses: the counted words of offline scripts over their real duration
 * in minutes. `prose`: 300 sample posts for targets of 5, 10 and 20 minutes (dense scripts); `channel`: the whole
 * sample channel export in one script.
 */
export async function measureWordsPerMinute(synthesizer: EspeakSynthesizer, language: Language, corpus: 'prose' | 'channel'): Promise<number> {
  const runs =
    corpus === 'channel'
      ? [await spoken(synthesizer, podcastFor(language, 60), await channelSamplePosts())]
      : await Promise.all([5, 10, 20].map((target) => spoken(synthesizer, podcastFor(language, target), samplePosts(300, language))));
  const words = runs.reduce((n, r) => n + r.words, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  return words / (seconds / 60);
}

export async function benchLengthOffline(): Promise<Array<Record<string, string | number>>> {
  const synthesizer = new EspeakSynthesizer();
  const rows: Array<Record<string, string | number>> = [];
  for (const [language, corpus] of [['en', 'prose'], ['en', 'channel'], ['he', 'prose']] as const) {
    const rate = await measureWordsPerMinute(synthesizer, language, corpus);
    rows.push({ writer: 'offline', voice: `espeak ${language}`, posts: `calibration: ${corpus}`, target: '', result: `${rate.toFixed(1)} words per minute, pauses included` });
  }
  for (const posts of [5, 30, 300]) {
    for (const target of [5, 10, 20]) {
      const f = await speakOffline(synthesizer, posts, target);
      const ratio = f.audioSeconds / 60 / target;
      const within = ratio >= LENGTH_TOLERANCE.below && ratio <= LENGTH_TOLERANCE.above;
      const verdict = within ? 'within ±15 %' : ratio > LENGTH_TOLERANCE.above ? 'OVER' : f.shortBecause ? `short: ${f.shortBecause}` : 'SHORT (no reason recorded)';
      rows.push({
        writer: 'offline',
        voice: 'espeak en',
        posts,
        target: `${target} min`,
        result: `${(f.audioSeconds / 60).toFixed(2)} min (${(ratio * 100).toFixed(0)} %), ${f.words} words, ${f.postsLeftOut} left out, ${f.promotionalDropped} promotional: ${verdict}`,
      });
    }
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('Episode length, offline writer with espeak-ng (duration against target)');
  console.table(await benchLengthOffline());
}

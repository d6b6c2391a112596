/**
 * In-memory LanguageModels for specs and benches of the model script writer: `ScriptedModel` answers with whatever a
 * spec's script says and records every request; `writingModel` is a deterministic fake (no model at all) that writes
 * roughly what each request asks for: an outline grouping the posts it is shown, and turns of about the asked number of
 * words, in the language the system prompt names, optionally `overshoot` times too many.
 */
import type { LanguageModel, ModelAnswer, ModelRequest } from '../../src/core/ports.ts';

export type Reply = (request: ModelRequest, index: number) => ModelAnswer | string;

/** Tokens as a rough count of characters / 4, so usage sums are predictable. */
export function tokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function inputOf(request: ModelRequest): string {
  return request.system + request.messages.map((m) => m.text).join('');
}

export class ScriptedModel implements LanguageModel {
  readonly requests: ModelRequest[] = [];
  constructor(
    private readonly reply: Reply,
    readonly name = 'scripted test-model-1',
    readonly pricing?: { inputPerMillion: number; outputPerMillion: number },
  ) {}

  async generate(request: ModelRequest): Promise<ModelAnswer> {
    this.requests.push(structuredClone(request));
    const answer = this.reply(request, this.requests.length - 1);
    return typeof answer === 'string' ? { text: answer, inputTokens: tokens(inputOf(request)), outputTokens: tokens(answer), stopReason: 'end_turn' } : answer;
  }
}

/** The number of words a request asks for ("Length: about N words"). */
export function askedWords(request: ModelRequest): number {
  const match = /Length: about (\d+) words/.exec(request.messages[0]?.text ?? '');
  if (!match) throw new Error('the request names no length');
  return Number(match[1]);
}

/** The post refs a request carries, in order. */
export function postRefs(request: ModelRequest): string[] {
  return [...(request.messages[0]?.text ?? '').matchAll(/<post ref="(p\d+)"/g)].map((m) => m[1]!);
}

const SENTENCES = {
  en: [
    'The report says the new plan starts next month and covers the whole region.',
    'That sounds like a big change for a lot of people.',
    'Critics want to see the numbers before they believe it.',
    'Supporters say it will pay for itself within a few years.',
  ],
  he: [
    'לפי הדיווח התוכנית החדשה מתחילה בחודש הבא ומכסה את כל האזור.',
    'זה נשמע כמו שינוי גדול להרבה אנשים.',
    'המבקרים רוצים לראות את המספרים לפני שהם מאמינים.',
    'התומכים אומרים שהיא תחזיר את עצמה תוך כמה שנים.',
  ],
};

/** Turns of about `words` words in `language`, alternating hosts, each turn about 25 words. */
export function turnsOf(words: number, language: 'en' | 'he'): { turns: Array<{ speaker: 'person1' | 'person2'; text: string }> } {
  const sentences = SENTENCES[language];
  const turns: Array<{ speaker: 'person1' | 'person2'; text: string }> = [];
  let written = 0;
  let s = 0;
  while (written < words) {
    const parts: string[] = [];
    let count = 0;
    while (count < Math.min(25, words - written)) {
      const sentence = sentences[s++ % sentences.length]!;
      parts.push(sentence);
      count += sentence.split(' ').length;
    }
    turns.push({ speaker: turns.length % 2 === 0 ? 'person1' : 'person2', text: parts.join(' ') });
    written += count;
  }
  return { turns };
}

/**
 * The deterministic fake's answers: outlines group the posts two by two (priorities 1, 2, 3 in turn, the words asked
 * shared equally), titled "Story n", with the episode's title ("Episode of p1 to pN": the refs it was shown) and a
 * description, unless `feedTexts` is false (a model answering the outline's older shape); turns hold about the words
 * asked (× `overshoot`) in the system prompt's language.
 */
export function writingReply(overshoot = 1, options: { feedTexts?: boolean } = {}): (request: ModelRequest) => string {
  return (request) => {
    const language = /write every word in Hebrew/.test(request.system) ? 'he' : 'en';
    if (request.schemaName === 'podcast_outline') {
      const refs = postRefs(request);
      const groups = Array.from({ length: Math.ceil(refs.length / 2) }, (_, i) => refs.slice(2 * i, 2 * i + 2));
      const words = Math.max(1, Math.round(askedWords(request) / Math.max(1, groups.length)));
      const span = `${refs[0]} ${language === 'he' ? 'עד' : 'to'} ${refs.at(-1)}`;
      const feed =
        options.feedTexts === false
          ? {}
          : language === 'he'
            ? { title: `פרק על ${span}`, description: `הפרק עוסק ב-${refs.length} פוסטים. הם מחולקים ל-${groups.length} סיפורים.` }
            : { title: `Episode of ${span}`, description: `The episode covers ${refs.length} posts. They make ${groups.length} stories.` };
      return JSON.stringify({
        ...feed,
        segments: groups.map((posts, i) => ({ title: language === 'he' ? `סיפור ${i + 1}` : `Story ${i + 1}`, posts, words, priority: (i % 3) + 1 })),
      });
    }
    return JSON.stringify(turnsOf(Math.round(askedWords(request) * overshoot), language));
  };
}

/** The deterministic fake model (see writingReply): no model at all, for specs and the length bench. */
export function writingModel(options: { overshoot?: number; name?: string; pricing?: { inputPerMillion: number; outputPerMillion: number } } = {}): ScriptedModel {
  return new ScriptedModel(writingReply(options.overshoot), options.name ?? 'fake writing-model', options.pricing);
}

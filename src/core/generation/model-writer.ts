/**
 * The model-backed ScriptWriter: writes the two-host script with any LanguageModel (Bedrock, OpenAI-compatible,
 * Gemini: the adapters only carry requests; everything vendor-neutral is here). Outline, then segments:
 *
 * 1. The posts (refs p1…pN, oldest first) are split into chunks within the request bounds of prompt.ts; each chunk is
 *    outlined (the episode's title and description; segments: title, the posts each covers, a word share, a
 *    priority). The segments' titles become the chapters' titles, their posts' links the chapters' sources.
 * 2. The word budget (wordBudget: target minutes × the voice engine's words per minute) less the intro's and outro's
 *    shares is divided among the segments: the least important are dropped when each would get fewer than
 *    MIN_SEGMENT_WORDS, and no segment is asked for more than its posts hold (materialWords), so a thin day makes a
 *    shorter episode, never a padded one.
 * 3. Each segment is written in its own request, then the intro and the outro.
 * 4. An episode still longer than target × 1.15 (the model overshot) is trimmed: turns at the end of the least
 *    important segments go first, whole segments when few turns are left; the intro and outro stay.
 *
 * Every answer is checked (script-check.ts): JSON in its schema, known speakers, non-empty turns, no tags or markup,
 * the podcast's language. An unusable answer gets one repair request (the previous answer and its problems); a second
 * unusable answer is a permanent ValidationError naming the model and the problems. Errors of the model port (a
 * DownstreamError, permanent or transient) propagate unchanged: their class decides retry.
 */
import type { PodcastConfig, ScriptWriterName } from '../contracts.ts';
import { ValidationError } from '../errors.ts';
import type { EpisodeContent, LanguageModel, ModelAnswer, ScriptWriter } from '../ports.ts';
import { languageOf } from './dialogue-writer.ts';
import { voiceCast } from './engines.ts';
import { LENGTH_TOLERANCE, countWords, targetMinutes, wordBudget, wordsPerMinute } from './length.ts';
import { SECTION_TITLES, plainText, postLinks, summaryOf } from './chapters.ts';
import {
  OUTLINE_ACCEPTED_SCHEMA,
  OUTLINE_SCHEMA,
  TURNS_SCHEMA,
  chunkPosts,
  introPrompt,
  outlinePrompt,
  outroPrompt,
  repairPrompt,
  segmentPrompt,
  systemPrompt,
  type PostRef,
} from './prompt.ts';
import { feedTextProblems, parseAnswer, turnProblems, type ModelTurn } from './script-check.ts';
import { MAX_CHAPTER_TITLE_CHARS, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, type Script, type ScriptChapter, type ScriptGeneration, type ScriptTurn } from './script.ts';

/** A segment shorter than this is not worth its request and its transition: the least important are dropped instead. */
export const MIN_SEGMENT_WORDS = 80;
/** Shares of the word budget for the intro and the outro (within bounds). */
const INTRO = { share: 0.06, min: 40, max: 150 };
const OUTRO = { share: 0.04, min: 30, max: 100 };

/**
 * Words of conversation a post can carry without filler: a base for the story's mention plus a multiple of its own
 * words, up to a cap per long-form round.
 */
export function materialWords(text: string, longFormRounds: number): number {
  return Math.min(300 * longFormRounds, Math.round(40 + 2.5 * countWords(text) * longFormRounds));
}

interface PlannedSegment {
  title: string;
  posts: PostRef[];
  requested: number;
  priority: number;
  /** Position in the episode (chunk order, then outline order). */
  order: number;
  words: number;
  /** The chunk whose outline planned it (its title and description are that outline's). */
  chunk: number;
}

interface WrittenSection {
  section: 'intro' | 'segment' | 'outro';
  /** The chapter's title (a segment's from the outline). */
  title: string;
  /** The outline's segment it writes (segments only). */
  planned?: PlannedSegment;
  priority: number;
  order: number;
  posts: PostRef[];
  turns: ModelTurn[];
}

export class ModelScriptWriter implements ScriptWriter {
  constructor(
    private readonly model: LanguageModel,
    private readonly writer: ScriptWriterName,
  ) {}

  async write(podcast: PodcastConfig, content: EpisodeContent): Promise<Script> {
    const session = new ModelSession(this.model, podcast);
    const refs: PostRef[] = content.posts.map((post, i) => ({ ref: `p${i + 1}`, post }));
    const budget = wordBudget(podcast);
    const introWords = bounded(budget * INTRO.share, INTRO);
    const outroWords = bounded(budget * OUTRO.share, OUTRO);
    const segmentBudget = Math.max(0, budget - introWords - outroWords);
    const material = (posts: PostRef[]) => posts.reduce((sum, { post }) => sum + materialWords(post.text, podcast.long_form_rounds), 0);

    // 1. Outline, chunk by chunk.
    const chunks = chunkPosts(refs);
    const totalMaterial = material(refs);
    const planned: PlannedSegment[] = [];
    const outlines: Outline[] = [];
    for (const [i, chunk] of chunks.entries()) {
      const share = Math.max(MIN_SEGMENT_WORDS, Math.round((segmentBudget * material(chunk)) / Math.max(1, totalMaterial)));
      const outline = await session.ask(`outline${chunks.length > 1 ? ` of posts part ${i + 1}` : ''}`, {
        prompt: outlinePrompt(chunk, Math.min(share, material(chunk)), i, chunks.length),
        schema: OUTLINE_SCHEMA,
        accept: OUTLINE_ACCEPTED_SCHEMA,
        schemaName: 'podcast_outline',
        maxOutputTokens: outputLimit(768 + 80 * chunk.length),
        check: (value) => checkOutline(value as Outline, chunk, podcast.language),
      });
      outlines.push(outline as Outline);
      for (const segment of (outline as Outline).segments) {
        const posts = segment.posts.map((ref) => chunk.find((r) => r.ref === ref)!);
        const title = plainText(segment.title, MAX_CHAPTER_TITLE_CHARS);
        planned.push({ title, posts, requested: segment.words, priority: segment.priority, order: planned.length, words: 0, chunk: i });
      }
    }

    // 2. The budget, divided among the segments worth their words.
    const kept = allocate(planned, segmentBudget, (segment) => material(segment.posts));

    // 3. Segments, then the intro and the outro.
    const sections: WrittenSection[] = [];
    const names = [podcast.speakers.person1.name, podcast.speakers.person2.name];
    // A segment and the intro are conversations; the outro may be one host's goodbye.
    const turnsRequest = (what: string, prompt: string, words: number, bothHosts = true) =>
      session.ask(what, {
        prompt,
        schema: TURNS_SCHEMA,
        schemaName: 'podcast_turns',
        maxOutputTokens: outputLimit(256 + words * 1.5 * (podcast.language === 'he' ? 4 : 2)),
        check: (value) => turnProblems(cleanTurns(value), podcast.language, names, { bothHosts }),
      }).then(cleanTurns);
    for (const [i, segment] of kept.entries()) {
      const prompt = segmentPrompt(segment.title, segment.posts, segment.words, i, kept.length, kept[i - 1]?.title);
      const turns = await turnsRequest(`segment ${i + 1}`, prompt, segment.words);
      sections.push({ section: 'segment', title: segment.title, planned: segment, priority: segment.priority, order: segment.order, posts: segment.posts, turns });
    }
    const titles = kept.map((segment) => segment.title);
    const channels = [...new Set(content.channels.map((channel) => `@${channel.replace(/^@/, '')}`))];
    const intro = await turnsRequest('intro', introPrompt(podcast, titles, introWords, channels), introWords);
    const outro = await turnsRequest('outro', outroPrompt(podcast, titles, outroWords), outroWords, false);
    const { intro: introTitle, outro: outroTitle } = SECTION_TITLES[podcast.language];
    sections.unshift({ section: 'intro', title: introTitle, priority: 0, order: -1, posts: [], turns: intro });
    sections.push({ section: 'outro', title: outroTitle, priority: 0, order: Number.MAX_SAFE_INTEGER, posts: [], turns: outro });

    // 4. Never longer than the target allows.
    const finished = trim(sections, Math.floor(budget * LENGTH_TOLERANCE.above));

    const cast = voiceCast(podcast);
    const turns: ScriptTurn[] = [];
    const chapters: ScriptChapter[] = [];
    let segmentNumber = 0;
    for (const written of finished) {
      const section = written.section === 'segment' ? `segment-${++segmentNumber}` : written.section;
      chapters.push({ section, title: written.title, sources: postLinks(written.posts.map((r) => r.post), podcast) });
      for (const turn of written.turns) {
        const voice = cast.line(turn.speaker, languageOf(turn.text));
        turns.push({ speaker: turn.speaker, text: turn.text, section, ...(voice ? { voice } : {}) });
      }
    }

    const airedRefs = new Set(finished.flatMap((written) => written.posts.map((r) => r.ref)));
    const words = turns.reduce((sum, turn) => sum + countWords(turn.text), 0);
    const target = targetMinutes(podcast);
    const estimated = words / wordsPerMinute(podcast);
    const generation: ScriptGeneration = {
      writer: this.writer,
      model: this.model.name,
      target_minutes: target,
      words,
      estimated_minutes: Math.round(estimated * 100) / 100,
      ...(refs.length - airedRefs.size > 0 ? { posts_left_out: refs.length - airedRefs.size } : {}),
      usage: session.usage(),
    };
    if (estimated < target * LENGTH_TOLERANCE.below) {
      generation.short_because = shortBecause(refs.length, kept.length, totalMaterial, segmentBudget, introWords + outroWords, podcast, this.model.name, words, budget);
    }

    const { person1, person2 } = podcast.speakers;
    const style = podcast.conversation_style.join(', ');
    const instructions = (role: string) => (style ? `${role}; ${style}` : role);
    const aired = finished.filter((written) => written.section === 'segment');
    return {
      language: podcast.language,
      ...feedTexts(outlines, aired, podcast, content.window.to),
      chapters,
      speakers: {
        person1: { name: person1.name, role: person1.role, voice: cast.speaker('person1'), instructions: instructions(person1.role) },
        person2: { name: person2.name, role: person2.role, voice: cast.speaker('person2'), instructions: instructions(person2.role) },
      },
      turns,
      generation,
    };
  }
}

/**
 * A request's output token limit: room for 1.5 × the words asked (Hebrew takes about twice the tokens of English per
 * word) and the JSON around them, at least 1024 and at most 8192 (a segment never needs more).
 */
function outputLimit(tokens: number): number {
  return Math.min(8192, Math.max(1024, Math.ceil(tokens)));
}

function bounded(value: number, bounds: { min: number; max: number }): number {
  return Math.round(Math.min(bounds.max, Math.max(bounds.min, value)));
}

interface Outline {
  /** Absent in an answer of a model not asked for them (OUTLINE_ACCEPTED_SCHEMA). */
  title?: string;
  description?: string;
  segments: Array<{ title: string; posts: string[]; words: number; priority: number }>;
}

/**
 * The episode's title and description: the model's, from the outline of the chunk that planned the most important
 * segment aired (an episode outlined in parts has one per part), cut to the feed's bounds. When that outline has none,
 * the title is that segment's and the description lists the segments; with no segment aired, the dated show name.
 */
function feedTexts(outlines: Outline[], aired: WrittenSection[], podcast: PodcastConfig, date: string): Pick<Script, 'title' | 'description'> {
  const airedTitles = aired.map((written) => written.title);
  const lead = aired
    .map((written) => written.planned!)
    .sort((a, b) => a.priority - b.priority || a.order - b.order)[0];
  const outline = lead ? outlines[lead.chunk] : outlines[0];
  const title = outline?.title?.trim() || lead?.title || `${podcast.name} — ${date.slice(0, 10)}`;
  const description =
    outline?.description?.trim() ||
    (airedTitles.length ? summaryOf(podcast.language, airedTitles.slice(0, 3), airedTitles.length > 3) : `${podcast.name} — ${date.slice(0, 10)}`);
  return { title: plainText(title, MAX_TITLE_CHARS), description: plainText(description, MAX_DESCRIPTION_CHARS) };
}

/**
 * An outline's problems beyond its schema: posts it does not have, posts in two segments, empty segments, and feed
 * texts (titles, description) with markup or in another language.
 */
function checkOutline(outline: Outline, chunk: PostRef[], language: PodcastConfig['language']): string[] {
  const known = new Set(chunk.map((r) => r.ref));
  const seen = new Set<string>();
  const problems: string[] = [];
  // A blank title or description counts as none given (the writer derives one): no reason for a repair.
  const texts = [
    ...(outline.title?.trim() ? [{ at: '/title', text: outline.title }] : []),
    ...(outline.description?.trim() ? [{ at: '/description', text: outline.description }] : []),
    ...outline.segments.filter((segment) => segment.title.trim()).map((segment) => ({ at: `/segments/${outline.segments.indexOf(segment)}/title`, text: segment.title })),
  ];
  problems.push(...feedTextProblems(texts, language));
  outline.segments.forEach((segment, i) => {
    const at = `/segments/${i}`;
    if (!segment.title.trim()) problems.push(`${at}/title is empty`);
    if (segment.posts.length === 0) problems.push(`${at}/posts is empty`);
    if (segment.words < 1) problems.push(`${at}/words must be at least 1`);
    if (segment.priority < 1) problems.push(`${at}/priority must be at least 1`);
    for (const ref of segment.posts) {
      if (!known.has(ref)) problems.push(`${at}/posts names ${ref}, which is not one of the posts given`);
      else if (seen.has(ref)) problems.push(`${at}/posts names ${ref}, which is in another segment too`);
      seen.add(ref);
    }
  });
  return problems;
}

/**
 * The segments that get words, in episode order, each with its word budget: at most one per MIN_SEGMENT_WORDS of the
 * budget (the most important kept), the budget shared by what each asked for, no segment above what its posts hold.
 */
function allocate(planned: PlannedSegment[], budget: number, material: (segment: PlannedSegment) => number): PlannedSegment[] {
  const room = Math.max(1, Math.floor(budget / MIN_SEGMENT_WORDS));
  const kept = [...planned]
    .sort((a, b) => a.priority - b.priority || a.order - b.order)
    .slice(0, room)
    .sort((a, b) => a.order - b.order);
  // Water-filling: share what is left among the segments not yet at their material's limit.
  let open = kept;
  let left = budget;
  for (let round = 0; round < 5 && open.length > 0 && left > 0; round++) {
    const asked = open.reduce((sum, s) => sum + Math.max(1, s.requested), 0);
    const capped: PlannedSegment[] = [];
    let given = 0;
    for (const segment of open) {
      const share = (left * Math.max(1, segment.requested)) / asked;
      const limit = material(segment) - segment.words;
      const add = Math.min(share, limit);
      segment.words += add;
      given += add;
      if (add >= limit) capped.push(segment);
    }
    left -= given;
    open = open.filter((segment) => !capped.includes(segment));
    if (capped.length === 0) break;
  }
  for (const segment of kept) segment.words = Math.max(30, Math.round(segment.words));
  return kept;
}

/** Drops turns from the end of the least important segments (whole segments when under two turns) until within `maxWords`. */
function trim(sections: WrittenSection[], maxWords: number): WrittenSection[] {
  const wordsOf = (written: WrittenSection) => written.turns.reduce((sum, turn) => sum + countWords(turn.text), 0);
  let total = sections.reduce((sum, written) => sum + wordsOf(written), 0);
  const victims = sections
    .filter((written) => written.section === 'segment')
    .sort((a, b) => b.priority - a.priority || b.order - a.order);
  for (const victim of victims) {
    while (total > maxWords && victim.turns.length > 0) {
      const remove = victim.turns.length <= 2 ? victim.turns.splice(0) : victim.turns.splice(-1);
      total -= remove.reduce((sum, turn) => sum + countWords(turn.text), 0);
    }
    if (total <= maxWords) break;
  }
  // Intro and outro alone over the limit (a tiny target, a verbose model): their last turns go, one of each stays.
  for (const edge of [sections[0]!, sections.at(-1)!]) {
    while (total > maxWords && edge.turns.length > 1) total -= countWords(edge.turns.pop()!.text);
  }
  return sections.filter((written) => written.turns.length > 0);
}

function shortBecause(
  posts: number,
  segments: number,
  material: number,
  segmentBudget: number,
  frameWords: number,
  podcast: PodcastConfig,
  model: string,
  words: number,
  budget: number,
): string {
  if (posts === 0) return 'there were no posts in the window';
  if (segments === 0) return `${model} found nothing worth airing in the ${posts} post(s)`;
  if (material < segmentBudget) {
    const minutes = Math.round(((material + frameWords) / wordsPerMinute(podcast)) * 10) / 10;
    return `the ${posts} post(s) hold about ${minutes} minute(s) of conversation`;
  }
  return `${model} wrote ${words} of the ${budget} words asked`;
}

/** The turns of a schema-valid answer, texts trimmed. */
function cleanTurns(value: unknown): ModelTurn[] {
  return (value as { turns: ModelTurn[] }).turns.map((turn) => ({ speaker: turn.speaker, text: turn.text.trim() }));
}

interface Ask {
  prompt: string;
  /** The schema the model is asked to answer in. */
  schema: Record<string, unknown>;
  /** The schema an answer is checked against, when it accepts more than `schema` asks for (older answers). */
  accept?: Record<string, unknown>;
  schemaName: string;
  maxOutputTokens: number;
  /** Problems beyond the schema, of a value that fits it. */
  check(value: unknown): string[];
}

/** One episode's requests to the model: the shared system prompt and temperature, one repair, usage summed. */
class ModelSession {
  private requests = 0;
  private repairs = 0;
  private inputTokens = 0;
  private outputTokens = 0;
  private readonly system: string;
  private readonly temperature: number;

  constructor(
    private readonly model: LanguageModel,
    podcast: PodcastConfig,
  ) {
    this.system = systemPrompt(podcast);
    this.temperature = podcast.creativity;
  }

  /** The answer's value once usable (first try or after one repair); else a ValidationError naming the model and the problems. */
  async ask(what: string, ask: Ask): Promise<unknown> {
    const messages: Array<{ role: 'user' | 'assistant'; text: string }> = [{ role: 'user', text: ask.prompt }];
    let first = true;
    for (;;) {
      const answer = await this.generate(messages, ask);
      const { value, problems } = parseAnswer(answer, ask.accept ?? ask.schema);
      if (problems.length === 0) problems.push(...ask.check(value));
      if (problems.length === 0) return value;
      if (!first) throw new ValidationError(`${this.model.name} wrote an unusable ${what}, also after a repair`, problems);
      first = false;
      this.repairs++;
      messages.push({ role: 'assistant', text: answer.text }, { role: 'user', text: repairPrompt(problems) });
    }
  }

  private async generate(messages: Array<{ role: 'user' | 'assistant'; text: string }>, ask: Ask): Promise<ModelAnswer> {
    const answer = await this.model.generate({
      system: this.system,
      messages: [...messages],
      schema: ask.schema,
      schemaName: ask.schemaName,
      temperature: this.temperature,
      maxOutputTokens: ask.maxOutputTokens,
    });
    this.requests++;
    this.inputTokens += answer.inputTokens;
    this.outputTokens += answer.outputTokens;
    return answer;
  }

  usage(): NonNullable<ScriptGeneration['usage']> {
    const pricing = this.model.pricing;
    const cost = pricing ? (this.inputTokens * pricing.inputPerMillion + this.outputTokens * pricing.outputPerMillion) / 1e6 : undefined;
    return {
      requests: this.requests,
      input_tokens: this.inputTokens,
      output_tokens: this.outputTokens,
      repairs: this.repairs,
      ...(cost !== undefined ? { estimated_cost_usd: Math.round(cost * 1e6) / 1e6 } : {}),
    };
  }
}

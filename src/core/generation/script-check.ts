/**
 * What a model's answer must be before it becomes part of a script: JSON that fits the schema it was asked for (the
 * subset of JSON Schema the LanguageModel port allows), and turns a voice engine can speak as they are: one of the two
 * hosts, not blank, no speaker tags ("Alex:", "[person1]", "<Person1>") or markup (markdown, SSML/HTML tags, URLs), in
 * the podcast's language. Each check returns problems as short sentences, which the model writer sends back in its one
 * repair request and names in the ValidationError when the repair fails too. Pure.
 */
import type { Language } from '../contracts.ts';
import type { ModelAnswer } from '../ports.ts';
import { languageOf } from './dialogue-writer.ts';
import type { SpeakerId } from './script.ts';

/** Stop reasons meaning the answer was cut off at the output limit (Bedrock, OpenAI, Gemini). */
const CUT_OFF = new Set(['max_tokens', 'length', 'MAX_TOKENS']);

/** A turn as the model writes it. */
export interface ModelTurn {
  speaker: SpeakerId;
  text: string;
}

/**
 * The answer parsed as JSON and checked against `schema`, or the problems that keep it from being used: cut off at the
 * output limit, not JSON, off-schema (each violation with its JSON pointer).
 */
export function parseAnswer(answer: ModelAnswer, schema: Record<string, unknown>): { value: unknown; problems: string[] } {
  const problems: string[] = [];
  if (answer.stopReason !== undefined && CUT_OFF.has(answer.stopReason)) {
    problems.push(`the answer was cut off at the output token limit (stop reason ${answer.stopReason}): write less`);
  }
  let value: unknown;
  try {
    value = JSON.parse(answer.text);
  } catch (cause) {
    problems.push(`the answer is not JSON (${(cause as Error).message})`);
    return { value: undefined, problems };
  }
  problems.push(...schemaProblems(value, schema));
  return { value, problems };
}

/** Violations of the port's JSON Schema subset (type, enum, required, properties, additionalProperties: false, items). */
export function schemaProblems(value: unknown, schema: Record<string, unknown>, path = ''): string[] {
  const at = path || '/';
  if (Array.isArray(schema.enum)) {
    return schema.enum.includes(value) ? [] : [`${at} must be one of ${schema.enum.join(', ')}`];
  }
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? [] : [`${at} must be a string`];
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? [] : [`${at} must be an integer`];
    case 'array': {
      if (!Array.isArray(value)) return [`${at} must be an array`];
      const problems: string[] = [];
      const items = schema.items as Record<string, unknown> | undefined;
      if (items) value.forEach((item, i) => problems.push(...schemaProblems(item, items, `${path}/${i}`)));
      return problems;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${at} must be an object`];
      const record = value as Record<string, unknown>;
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      const problems: string[] = [];
      for (const key of (schema.required ?? []) as string[]) if (!(key in record)) problems.push(`${path}/${key} is missing`);
      for (const [key, item] of Object.entries(record)) {
        const property = properties[key];
        if (property) problems.push(...schemaProblems(item, property, `${path}/${key}`));
        else if (schema.additionalProperties === false) problems.push(`${path}/${key} is not allowed`);
      }
      return problems;
    }
    default:
      return [];
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const BRACKET_TAG = /[[<(]\s*\/?\s*(?:person|speaker|host)\s*[-_ ]?\d*\s*[\]>)]/iu;
const HTML_TAG = /<\/?[a-z][\w:-]*(?:\s[^<>]*)?\/?>/iu;
const URL = /\bhttps?:\/\/|\bwww\.[a-z0-9-]+\./iu;
const MARKDOWN = [
  { pattern: /\*\*|__|`/u, what: 'markdown emphasis or code marks' },
  { pattern: /\[[^\]]*\]\([^)]*\)/u, what: 'a markdown link' },
  { pattern: /(?:^|\n)\s*(?:#{1,6}\s|[-*+]\s|\d+\.\s)/u, what: 'markdown headings or lists' },
];

/** Markup in a text that must be plain (a turn, a title, a description): SSML/HTML tags, URLs, markdown. */
export function markupProblems(text: string, at: string): string[] {
  const problems: string[] = [];
  if (HTML_TAG.test(text)) problems.push(`${at} holds an SSML or HTML tag`);
  if (URL.test(text)) problems.push(`${at} holds a URL (say the site's name instead)`);
  for (const { pattern, what } of MARKDOWN) if (pattern.test(text)) problems.push(`${at} holds ${what}`);
  return problems;
}

/**
 * Problems of the feed texts a model wrote in an outline (the episode's title and description, the segments' titles):
 * markup or a speaker tag as in turns, a title or description that is blank where given, and text in another language
 * than the podcast's (over all of them together, as for turns: a product name in a Hebrew title is not English).
 * Lengths are not problems: the writer cuts them (plainText), since a long title is no reason to fail an episode.
 */
export function feedTextProblems(texts: Array<{ at: string; text: string }>, language: Language): string[] {
  const problems: string[] = [];
  for (const { at, text } of texts) {
    if (!/[\p{L}\p{N}]/u.test(text)) {
      problems.push(`${at} is empty`);
      continue;
    }
    if (BRACKET_TAG.test(text)) problems.push(`${at} holds a speaker tag`);
    problems.push(...markupProblems(text, at));
  }
  const written = languageOf(texts.map(({ text }) => text).join(' '));
  if (written !== undefined && written !== language) {
    problems.push(`taken together, ${texts.map(({ at }) => at).join(', ')} are written in ${LANGUAGE_NAMES[written]}, not ${LANGUAGE_NAMES[language]}`);
  }
  return problems;
}

/**
 * Problems of the turns a model wrote for one section: none at all, a blank text, a speaker tag (a host's name, a
 * person or speaker id, in brackets or before a colon at the start), markup or a URL, one host only (`bothHosts`), and
 * text in another language than the podcast's (by script: Hebrew letters for `he`, Latin for `en`, over the whole
 * answer).
 */
export function turnProblems(turns: ModelTurn[], language: Language, hostNames: string[], options: { bothHosts?: boolean } = {}): string[] {
  if (turns.length === 0) return ['there are no turns'];
  const names = [...hostNames.map(escape), 'person ?[12]', 'speaker ?\\d*', 'host', 'co-?host'].join('|');
  const leadingTag = new RegExp(`^\\s*[*_]*\\s*(?:${names})\\s*[*_]*\\s*:`, 'iu');
  const problems: string[] = [];
  turns.forEach((turn, i) => {
    const at = `/turns/${i}/text`;
    const text = turn.text;
    if (!/[\p{L}\p{N}]/u.test(text)) {
      problems.push(`${at} is empty`);
      return;
    }
    if (leadingTag.test(text) || BRACKET_TAG.test(text)) problems.push(`${at} holds a speaker tag (the speaker field says who speaks): "${text.slice(0, 40)}"`);
    problems.push(...markupProblems(text, at));
  });
  if (options.bothHosts && new Set(turns.map((turn) => turn.speaker)).size < 2) {
    problems.push(`only ${turns[0]!.speaker} speaks: both hosts take turns`);
  }
  const written = languageOf(turns.map((turn) => turn.text).join(' '));
  if (written !== undefined && written !== language) {
    problems.push(`the turns are written in ${LANGUAGE_NAMES[written]}, not ${LANGUAGE_NAMES[language]}`);
  }
  return problems;
}

export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', he: 'Hebrew' };

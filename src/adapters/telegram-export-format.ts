/**
 * What a Telegram Desktop export's messages mean (the format export_output_json.cpp writes): their shape checks, their
 * dates, and the post a listener hears from each. The JSON level (streaming, escapes) is telegram-export-stream.ts.
 */
import type { MediaType } from '../core/contracts.ts';
import { ValidationError } from '../core/errors.ts';
import type { ChannelPost, PostMedia, PostOrigin } from '../core/ports.ts';
import { normaliseChannel } from '../core/channels.ts';
import type { ExportOutline } from './telegram-export-stream.ts';

/** The parts of an export message we read. */
export interface ExportTextEntity {
  type: string;
  text: string;
  href?: string;
}
export interface ExportPoll {
  question: string;
  answers: Array<{ text: string }>;
}
export interface ExportMessage {
  id: number;
  type: string;
  /** The exporter's local time, no zone. Absent only for `unsupported` messages. */
  date: string;
  /** UTC seconds; exports before about 2021 have none. */
  date_unixtime?: string;
  text?: string | Array<string | ExportTextEntity>;
  text_entities?: ExportTextEntity[];
  photo?: string;
  file?: string;
  thumbnail?: string;
  media_type?: string;
  /** The origin's name; null when Telegram could not name it. */
  forwarded_from?: string | null;
  /** The origin's peer id, such as `channel1234` (newer exports). */
  forwarded_from_id?: string;
  poll?: ExportPoll;
}
export interface ChannelExport {
  name?: string;
  type?: string;
  id?: number;
  messages: ExportMessage[];
}

const MEDIA_TYPE_OF: Record<string, MediaType> = {
  video_file: 'video',
  video_message: 'video',
  animation: 'animation',
  voice_message: 'voice',
  audio_file: 'audio',
  sticker: 'sticker',
};

/**
 * What Desktop writes in place of a path it did not export: "(File not included. Change data exporting settings to
 * download.)", "(File exceeds maximum size. …)", "(File unavailable, please try again later)", and the same with "Photo".
 */
const PLACEHOLDER = /^(?:.* )?\((?:File|Photo) (?:not included|exceeds maximum size|unavailable)\b[^)]*\)$/;

/** An export path, or undefined for a placeholder (or nothing). */
export function exportedFile(path: string | undefined): string | undefined {
  return path && !PLACEHOLDER.test(path) ? path : undefined;
}

/** `+03:00`, `-0530`, `+3` → minutes east of UTC. Throws a ValidationError for anything else. */
export function parseUtcOffset(text: string): number {
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(text.trim());
  const hours = Number(m?.[2]);
  const minutes = Number(m?.[3] ?? 0);
  if (!m || hours > 14 || minutes > 59) {
    throw new ValidationError(`--utc-offset "${text}" is not a UTC offset`, ['give the exporting computer\'s offset as +HH:MM or -HH:MM, e.g. +03:00']);
  }
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

const hasZone = (date: string): boolean => /[zZ]|[+-]\d\d:?\d\d$/.test(date);

/** Whether only the local `date` dates the message: an old export, read right only with the exporter's UTC offset. */
export function needsUtcOffset(message: Pick<ExportMessage, 'date' | 'date_unixtime'>): boolean {
  return message.date_unixtime === undefined && typeof message.date === 'string' && !hasZone(message.date);
}

/** A message's time: `date_unixtime` is UTC; else the local `date` less the exporter's offset (minutes; UTC when unknown). */
export function messageDate(message: Pick<ExportMessage, 'date' | 'date_unixtime'>, utcOffsetMinutes = 0): Date {
  if (message.date_unixtime) return new Date(Number(message.date_unixtime) * 1000);
  if (hasZone(message.date)) return new Date(message.date);
  return new Date(Date.parse(`${message.date}Z`) - utcOffsetMinutes * 60_000);
}

/** A text's parts as entities (a bare string is a plain part). */
function partsOf(text: ExportMessage['text']): ExportTextEntity[] {
  if (text === undefined) return [];
  if (typeof text === 'string') return [{ type: 'plain', text }];
  return text.map((part) => (typeof part === 'string' ? { type: 'plain', text: part } : part));
}

/**
 * What a listener hears of a text: its parts joined, spoilers left out (the author hid them), a custom emoji as the
 * plain emoji Desktop writes as its text. Exports hold text as typed, not HTML: nothing is entity-decoded.
 */
export function messageText(text: ExportMessage['text']): string {
  return partsOf(text)
    .filter((part) => part.type !== 'spoiler')
    .map((part) => part.text)
    .join('');
}

/** A `link` entity's text as a URL: `example.com/x` (as typed, Telegram linked it) is `https://example.com/x`. */
function linkUrl(text: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`;
}

function messageLinks(message: ExportMessage): string[] {
  const entities = message.text_entities ?? partsOf(message.text);
  const links = entities.flatMap((e) => (e.type === 'text_link' && e.href ? [e.href] : e.type === 'link' ? [linkUrl(e.text)] : []));
  return [...new Set(links)];
}

function messageMedia(message: ExportMessage): PostMedia[] {
  const withFile = (type: MediaType, path: string | undefined): PostMedia => {
    const file = exportedFile(path);
    return file ? { type, file } : { type };
  };
  if (message.photo !== undefined) return [withFile('photo', message.photo)];
  if (message.file !== undefined) return [withFile((message.media_type && MEDIA_TYPE_OF[message.media_type]) || 'document', message.file)];
  return [];
}

/** A poll as words: "Poll: Which one? Options: a; b". */
export function pollText(poll: ExportPoll): string {
  return `Poll: ${poll.question.trim()} Options: ${poll.answers.map((a) => a.text.trim()).join('; ')}`;
}

function messageOrigin(message: ExportMessage): PostOrigin | undefined {
  if (!('forwarded_from' in message) && !('forwarded_from_id' in message)) return undefined;
  // forwarded_from_id ("channel1234") is a peer id, neither a username nor a message id: PostOrigin has no place for it.
  return message.forwarded_from ? { name: message.forwarded_from } : {};
}

/** One message as a post; its date read with the exporter's offset (minutes) when it has only a local date. */
export function messagePost(channel: string, message: ExportMessage, utcOffsetMinutes = 0): ChannelPost {
  const text = [messageText(message.text_entities ?? message.text), message.poll ? pollText(message.poll) : ''].filter(Boolean).join('\n\n');
  const origin = messageOrigin(message);
  return {
    channel: normaliseChannel(channel),
    id: message.id,
    date: messageDate(message, utcOffsetMinutes).toISOString(),
    text,
    links: messageLinks(message),
    media: messageMedia(message),
    ...(origin ? { forwarded_from: origin } : {}),
  };
}

/** Violations reported at most: an export of the wrong kind breaks every message, and one line says so. */
const MAX_VIOLATIONS = 10;

/** The chat types of a channel's export; groups and personal chats hold private members' messages. */
const CHANNEL_TYPES = ['public_channel', 'private_channel'];

const isEntityList = (value: unknown): boolean =>
  Array.isArray(value) && value.every((part) => typeof part === 'string' || (typeof part === 'object' && part !== null && typeof (part as ExportTextEntity).text === 'string'));

const isPoll = (value: unknown): boolean => {
  const poll = value as Partial<ExportPoll> | null;
  return typeof poll === 'object' && poll !== null && typeof poll.question === 'string' && Array.isArray(poll.answers) && poll.answers.every((a) => typeof a?.text === 'string');
};

/** What is wrong with one message, each problem naming the message by its id (or its place when it has none). */
function messageViolations(m: unknown, index: number): string[] {
  if (typeof m !== 'object' || m === null) return [`messages[${index}] is not an object`];
  const message = m as Partial<Record<keyof ExportMessage, unknown>>;
  const name = Number.isInteger(message.id) ? `message ${String(message.id)}` : `messages[${index}]`;
  const bad: string[] = [];
  if (!Number.isInteger(message.id)) bad.push(`${name}: id ${JSON.stringify(message.id)} is not an integer`);
  if (typeof message.type !== 'string') bad.push(`${name}: type is not a string`);
  // Desktop writes a message it cannot render as {id, type: "unsupported"}, with no date: not a post, not an error.
  if (message.type === 'unsupported') return bad;
  if (typeof message.date !== 'string') bad.push(`${name}: date is missing or not a string`);
  else if (Number.isNaN(messageDate(message as ExportMessage).getTime())) bad.push(`${name}: date ${JSON.stringify(message.date)} is not a date`);
  if (message.date_unixtime !== undefined && !/^\d+$/.test(String(message.date_unixtime))) {
    bad.push(`${name}: date_unixtime ${JSON.stringify(message.date_unixtime)} is not a number of seconds`);
  }
  if (message.text !== undefined && typeof message.text !== 'string' && !isEntityList(message.text)) {
    bad.push(`${name}: text is ${Array.isArray(message.text) ? 'a list with a part that is neither text nor an entity' : `a ${typeof message.text}`}, not text`);
  }
  if (message.text_entities !== undefined && !isEntityList(message.text_entities)) bad.push(`${name}: text_entities is not a list of entities`);
  for (const field of ['photo', 'file', 'media_type', 'forwarded_from_id'] as const) {
    if (message[field] !== undefined && typeof message[field] !== 'string') bad.push(`${name}: ${field} is not a string`);
  }
  if (message.forwarded_from !== undefined && message.forwarded_from !== null && typeof message.forwarded_from !== 'string') bad.push(`${name}: forwarded_from is not a name`);
  if (message.poll !== undefined && !isPoll(message.poll)) bad.push(`${name}: poll has no question or an answer without text`);
  return bad;
}

/** Why a chat of this `type` is not read, or undefined for a channel (or an export that names no type). */
function chatTypeViolation(type: unknown): string | undefined {
  if (type === undefined || CHANNEL_TYPES.includes(String(type))) return undefined;
  return `it is the export of a ${String(type).replace(/_/g, ' ')}, not of a channel: a group's or a person's messages are not read into a podcast`;
}

/**
 * Checks an export as it streams by: a single chat's export ("Export chat history", not "Export Telegram data"), of a
 * channel (a group's members wrote privately; refused as soon as its `type` is read), whose messages have an id, a
 * type, a readable date and text. Counts posts and the messages dated only by the exporter's local time.
 */
export class ExportCheck {
  posts = 0;
  /** Messages with a local date only (old exports). */
  undated = 0;
  private readonly problems: string[] = [];
  private more = 0;

  constructor(private readonly channel: string) {}

  private refuse(violations: string[]): never {
    throw new ValidationError(`the export of ${this.channel} cannot be read`, violations);
  }

  /** A top-level field; throws at once for a group's or a person's export. */
  readonly field = (key: string, value: unknown): void => {
    const wrongType = key === 'type' ? chatTypeViolation(value) : undefined;
    if (wrongType) this.refuse([wrongType]);
  };

  /** The message when it is well-formed, else undefined (its problems noted). */
  readonly message = (raw: unknown, index: number): ExportMessage | undefined => {
    const bad = messageViolations(raw, index);
    if (bad.length) {
      const room = Math.max(MAX_VIOLATIONS - this.problems.length, 0);
      this.problems.push(...bad.slice(0, room));
      this.more += bad.length - Math.min(room, bad.length);
      return undefined;
    }
    const message = raw as ExportMessage;
    if (message.type === 'message') this.posts += 1;
    if (message.type !== 'unsupported' && needsUtcOffset(message)) this.undated += 1;
    return message;
  };

  /** After the last byte: throws a ValidationError naming what was wrong, if anything was. */
  finish(outline: ExportOutline): void {
    if (outline.root !== 'object') this.refuse(['not a JSON object']);
    if (!outline.messagesArray) {
      this.refuse(['no "messages" array' + (outline.keys.includes('chats') ? ": this is a whole-account export; export one channel's chat history instead" : '')]);
    }
    if (this.problems.length) this.refuse(this.more ? [...this.problems, `and ${this.more} more`] : this.problems);
  }
}

/** The outline of an export held in memory, as the stream parser would report it. */
function outlineOf(data: unknown): ExportOutline {
  const root = data === null || typeof data !== 'object' ? 'other' : Array.isArray(data) ? 'array' : 'object';
  const messages = root === 'object' ? (data as { messages?: unknown }).messages : undefined;
  return { root, keys: root === 'object' ? Object.keys(data as object) : [], messagesArray: Array.isArray(messages), messages: Array.isArray(messages) ? messages.length : 0 };
}

/**
 * An export already in memory (a small one: tests, samples) as posts, checked as an import checks it; service
 * messages (joins, pins) are not posts. Throws a ValidationError naming what is wrong.
 */
export function exportPosts(channel: string, data: ChannelExport, utcOffsetMinutes = 0): ChannelPost[] {
  const check = new ExportCheck(channel);
  const outline = outlineOf(data);
  if (outline.root === 'object') check.field('type', (data as { type?: unknown }).type);
  const messages = outline.messagesArray ? (data.messages as unknown[]).map(check.message) : [];
  check.finish(outline);
  return messages.filter((m): m is ExportMessage => m?.type === 'message').map((m) => messagePost(channel, m, utcOffsetMinutes));
}

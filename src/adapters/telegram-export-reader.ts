/**
 * ChannelReader for Telegram Desktop exports ("Export chat history" → JSON, `result.json`), kept in the bucket under
 * `channel-exports/<channel>/`, and the ChannelExportStore that puts them there. Live sources (Bot API, MTProto)
 * implement the same reader port.
 */
import type { MediaType } from '../core/contracts.ts';
import { inWindow } from '../core/collection/window.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { ChannelExportStore, ChannelPost, ChannelReader, FetchedMedia, ObjectStore, PostMedia, ReadRequest } from '../core/ports.ts';
import { normaliseChannel } from '../core/channels.ts';
import { channelExportKey, channelExportPrefix } from '../core/keys.ts';

/** The parts of an export message we read. */
export interface ExportTextEntity {
  type: string;
  text: string;
  href?: string;
}
export interface ExportMessage {
  id: number;
  type: string;
  date: string;
  date_unixtime?: string;
  text?: string | Array<string | ExportTextEntity>;
  text_entities?: ExportTextEntity[];
  photo?: string;
  file?: string;
  media_type?: string;
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

/** A message's time: `date_unixtime` is UTC; the bare `date` is the exporter's local time, used only as a fallback. */
export function messageDate(message: ExportMessage): Date {
  if (message.date_unixtime) return new Date(Number(message.date_unixtime) * 1000);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(message.date) ? message.date : `${message.date}Z`);
}

export function messageText(text: ExportMessage['text']): string {
  if (text === undefined) return '';
  if (typeof text === 'string') return text;
  return text.map((part) => (typeof part === 'string' ? part : part.text)).join('');
}

function messageLinks(message: ExportMessage): string[] {
  const entities = message.text_entities ?? (Array.isArray(message.text) ? message.text.filter((p) => typeof p !== 'string') : []);
  const links = entities.flatMap((e) => (e.type === 'text_link' && e.href ? [e.href] : e.type === 'link' ? [e.text] : []));
  return [...new Set(links)];
}

function messageMedia(message: ExportMessage): PostMedia[] {
  if (message.photo) return [{ type: 'photo', file: message.photo }];
  if (message.file) return [{ type: (message.media_type && MEDIA_TYPE_OF[message.media_type]) || 'document', file: message.file }];
  return [];
}

/** Violations reported at most: an export of the wrong kind breaks every message, and one line says so. */
const MAX_VIOLATIONS = 10;

/** The chat types of a channel's export; groups and personal chats hold private members' messages. */
const CHANNEL_TYPES = ['public_channel', 'private_channel'];

const isEntityList = (value: unknown): boolean =>
  Array.isArray(value) && value.every((part) => typeof part === 'string' || (typeof part === 'object' && part !== null && typeof (part as ExportTextEntity).text === 'string'));

/** What is wrong with one message, each problem naming the message by its id (or its place when it has none). */
function messageViolations(m: unknown, index: number): string[] {
  if (typeof m !== 'object' || m === null) return [`messages[${index}] is not an object`];
  const message = m as Partial<Record<keyof ExportMessage, unknown>>;
  const name = Number.isInteger(message.id) ? `message ${String(message.id)}` : `messages[${index}]`;
  const bad: string[] = [];
  if (!Number.isInteger(message.id)) bad.push(`${name}: id ${JSON.stringify(message.id)} is not an integer`);
  if (typeof message.type !== 'string') bad.push(`${name}: type is not a string`);
  if (typeof message.date !== 'string') bad.push(`${name}: date is missing or not a string`);
  else if (Number.isNaN(messageDate(message as ExportMessage).getTime())) bad.push(`${name}: date ${JSON.stringify(message.date)} is not a date`);
  if (message.date_unixtime !== undefined && !/^\d+$/.test(String(message.date_unixtime))) {
    bad.push(`${name}: date_unixtime ${JSON.stringify(message.date_unixtime)} is not a number of seconds`);
  }
  if (message.text !== undefined && typeof message.text !== 'string' && !isEntityList(message.text)) {
    bad.push(`${name}: text is ${Array.isArray(message.text) ? 'a list with a part that is neither text nor an entity' : `a ${typeof message.text}`}, not text`);
  }
  if (message.text_entities !== undefined && !isEntityList(message.text_entities)) bad.push(`${name}: text_entities is not a list of entities`);
  for (const field of ['photo', 'file', 'media_type'] as const) {
    if (message[field] !== undefined && typeof message[field] !== 'string') bad.push(`${name}: ${field} is not a string`);
  }
  return bad;
}

/**
 * What is wrong with `data` as a channel's export: a single chat's export ("Export chat history", not "Export Telegram
 * data"), of a channel (a group's members wrote privately), whose messages have an id, a type, a readable date and text.
 */
function exportViolations(data: unknown): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['not a JSON object'];
  const { messages, type } = data as { messages?: unknown; type?: unknown };
  if (!Array.isArray(messages)) {
    return ['no "messages" array' + ('chats' in data ? ': this is a whole-account export; export one channel\'s chat history instead' : '')];
  }
  if (type !== undefined && !CHANNEL_TYPES.includes(String(type))) {
    return [`it is the export of a ${String(type).replace(/_/g, ' ')}, not of a channel: a group's or a person's messages are not read into a podcast`];
  }
  const problems = messages.flatMap(messageViolations);
  return problems.length > MAX_VIOLATIONS ? [...problems.slice(0, MAX_VIOLATIONS), `and ${problems.length - MAX_VIOLATIONS} more`] : problems;
}

/** Converts an export's messages to posts; service messages (joins, pins) are not posts. Throws a ValidationError naming what is wrong with a malformed export. */
export function exportPosts(channel: string, data: ChannelExport): ChannelPost[] {
  const violations = exportViolations(data);
  if (violations.length) throw new ValidationError(`the export of ${channel} cannot be read`, violations);
  return data.messages
    .filter((m) => m.type === 'message')
    .map((m) => ({
      channel: normaliseChannel(channel),
      id: m.id,
      date: messageDate(m).toISOString(),
      text: messageText(m.text),
      links: messageLinks(m),
      media: messageMedia(m),
    }));
}

export class TelegramExportReader implements ChannelReader {
  readonly source = 'export' as const;

  constructor(
    private readonly objects: ObjectStore,
    private readonly pageSize = 100,
  ) {}

  async unreadable(channel: string): Promise<string | undefined> {
    const key = channelExportKey(channel);
    return (await this.objects.exists(key)) ? undefined : `no export uploaded for ${channel} (expected at ${key}): run telecast channel import`;
  }

  async fetchMedia(post: ChannelPost, media: PostMedia, maxBytes: number): Promise<FetchedMedia> {
    if (!media.file) throw new NotFoundError(`message ${post.id} of ${post.channel}: the export has no file for this ${media.type}`);
    const key = `${channelExportPrefix(post.channel)}${media.file}`;
    const { body, bytes, contentType } = await this.objects.openRead(key);
    if (bytes !== undefined && bytes > maxBytes) throw new ValidationError(`${key} is ${bytes} bytes, over the ${maxBytes}-byte media cap`);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new ValidationError(`${key} is over the ${maxBytes}-byte media cap`);
      chunks.push(chunk);
    }
    return { body: Buffer.concat(chunks), contentType: contentType ?? 'application/octet-stream' };
  }

  async *read(channel: string, { window }: ReadRequest): AsyncIterable<ChannelPost[]> {
    const key = channelExportKey(channel);
    let data: ChannelExport;
    try {
      data = await this.objects.getJson<ChannelExport>(key);
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError(`no export for channel ${channel} at ${key}`, error);
      throw error;
    }
    // Newest first, as a live channel history pages: whatever stops reading early keeps the newest posts.
    const posts = exportPosts(channel, data)
      .filter((p) => inWindow(new Date(p.date), window))
      .sort((a, b) => b.date.localeCompare(a.date) || b.id - a.id);
    for (let i = 0; i < posts.length; i += this.pageSize) yield posts.slice(i, i + this.pageSize);
  }
}

export class TelegramExportStore implements ChannelExportStore {
  constructor(private readonly objects: ObjectStore) {}

  async put(channel: string, data: unknown): Promise<{ key: string; posts: number }> {
    const key = channelExportKey(channel); // a name that is not a channel is refused before anything else
    const posts = exportPosts(channel, data as ChannelExport); // before anything is stored
    await this.objects.putJson(key, data);
    return { key, posts: posts.length };
  }
}

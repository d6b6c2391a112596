/**
 * ChannelReader for Telegram Desktop exports ("Export chat history" → JSON, `result.json`), kept in the bucket under
 * `channel-exports/<channel>/`, and the ChannelExportStore that puts them there. Live sources (Bot API, MTProto)
 * implement the same reader port.
 */
import type { MediaType } from '../core/contracts.ts';
import { inWindow } from '../core/collection/window.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { ChannelExportStore, ChannelPost, ChannelReader, ObjectStore, PostMedia, TimeWindow } from '../core/ports.ts';
import { normaliseChannel } from '../core/channels.ts';
import { channelExportKey } from '../core/keys.ts';
import type { S3ObjectStore } from './s3-object-store.ts';

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

/** What is wrong with `data` as an export: a `messages` array whose messages have an `id`, a `type` and a readable date. */
function exportViolations(data: unknown): string[] {
  const messages = (data as { messages?: unknown } | null)?.messages;
  if (typeof data !== 'object' || data === null || !Array.isArray(messages)) return ['no "messages" array'];
  const problems = messages.flatMap((m: Partial<ExportMessage> | null, i) => {
    if (typeof m !== 'object' || m === null) return [`messages[${i}] is not an object`];
    const bad: string[] = [];
    if (!Number.isInteger(m.id)) bad.push(`messages[${i}].id is not an integer`);
    if (typeof m.type !== 'string') bad.push(`messages[${i}].type is not a string`);
    if (typeof m.date !== 'string' || Number.isNaN(messageDate(m as ExportMessage).getTime())) bad.push(`messages[${i}].date is not a date`);
    return bad;
  });
  return problems.length > MAX_VIOLATIONS ? [...problems.slice(0, MAX_VIOLATIONS), `and ${problems.length - MAX_VIOLATIONS} more`] : problems;
}

/** Converts an export's messages to posts; service messages (joins, pins) are not posts. Throws a ValidationError naming what is wrong with a malformed export. */
export function exportPosts(channel: string, data: ChannelExport): ChannelPost[] {
  const violations = exportViolations(data);
  if (violations.length) throw new ValidationError(`export of ${channel} is not a Telegram Desktop export (result.json)`, violations);
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
  constructor(
    private readonly objects: S3ObjectStore,
    private readonly pageSize = 100,
  ) {}

  async *read(channel: string, window: TimeWindow): AsyncIterable<ChannelPost[]> {
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
    const posts = exportPosts(channel, data as ChannelExport); // before anything is stored
    const key = channelExportKey(channel);
    await this.objects.putJson(key, data);
    return { key, posts: posts.length };
  }
}

/**
 * ChannelReader for Telegram Desktop exports ("Export chat history" → JSON, `result.json`), kept in the bucket under
 * `channel-exports/<channel>/`, and the ChannelExportStore that puts them there. Both stream the file: memory holds the
 * window's posts, never the export. Live sources (Bot API, MTProto) implement the same reader port.
 */
import { inWindow } from '../core/collection/window.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { ChannelExportStore, ChannelPost, ChannelReader, FetchedMedia, ObjectStore, PostMedia, ReadRequest } from '../core/ports.ts';
import { channelExportImportKey, channelExportKey, channelExportPrefix } from '../core/keys.ts';
import { ExportCheck, messageDate, messagePost, parseUtcOffset } from './telegram-export-format.ts';
import { ExportStreamParser, parseExport } from './telegram-export-stream.ts';

export { exportPosts, messageDate, messageText, type ChannelExport, type ExportMessage } from './telegram-export-format.ts';

/** telecast-import.json: what the import was told that the export does not say. */
export interface ExportImportRecord {
  imported_at: string;
  posts: number;
  /** The exporter's UTC offset (`+03:00`), when the operator gave one. */
  utc_offset?: string;
  /** Messages dated only in the exporter's local time. */
  local_dates: number;
}

/** A value as the bytes of its JSON, for callers that hold an export in memory (tests, the chaos run, samples). */
export async function* jsonBody(value: unknown): AsyncIterable<Uint8Array> {
  yield Buffer.from(JSON.stringify(value), 'utf-8');
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

  /** The exporter's offset in minutes, as the import recorded it (0, UTC, when none was given or nothing recorded). */
  private async utcOffsetOf(channel: string): Promise<number> {
    try {
      const record = await this.objects.getJson<Partial<ExportImportRecord>>(channelExportImportKey(channel));
      return record.utc_offset ? parseUtcOffset(record.utc_offset) : 0;
    } catch (error) {
      if (error instanceof NotFoundError) return 0; // an export stored before imports kept a record
      throw error;
    }
  }

  async *read(channel: string, { window, afterId }: ReadRequest): AsyncIterable<ChannelPost[]> {
    const key = channelExportKey(channel);
    const offset = await this.utcOffsetOf(channel);
    let opened: Awaited<ReturnType<ObjectStore['openRead']>>;
    try {
      opened = await this.objects.openRead(key);
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError(`no export for channel ${channel} at ${key}`, error);
      throw error;
    }
    // The export is oldest first; only the window's posts after afterId are kept, whatever the export's size.
    const check = new ExportCheck(channel);
    const kept: ChannelPost[] = [];
    const outline = await parseExport(channel, opened.body, {
      onField: check.field,
      onMessage: (raw, index) => {
        const message = check.message(raw, index);
        if (message?.type !== 'message' || (afterId !== undefined && message.id <= afterId)) return;
        if (inWindow(messageDate(message, offset), window)) kept.push(messagePost(channel, message, offset));
      },
    });
    check.finish(outline);
    // Newest first, as a live channel history pages: whatever stops reading early keeps the newest posts.
    kept.sort((a, b) => b.date.localeCompare(a.date) || b.id - a.id);
    for (let i = 0; i < kept.length; i += this.pageSize) yield kept.slice(i, i + this.pageSize);
  }
}

export class TelegramExportStore implements ChannelExportStore {
  constructor(private readonly objects: ObjectStore) {}

  async put(channel: string, body: AsyncIterable<Uint8Array>, options: { utcOffset?: string } = {}): Promise<{ key: string; posts: number; warnings: string[] }> {
    const key = channelExportKey(channel); // a name that is not a channel is refused before anything else
    if (options.utcOffset !== undefined) parseUtcOffset(options.utcOffset);
    const check = new ExportCheck(channel);
    const parser = new ExportStreamParser(channel, { onField: check.field, onMessage: check.message });
    // Each chunk is checked before it goes up, and the last check runs before the stream ends: a stream that throws
    // makes the upload abort (a single PUT is never sent, a multipart upload never completed), so nothing is stored.
    async function* checked(): AsyncIterable<Uint8Array> {
      for await (const chunk of body) {
        parser.write(chunk);
        yield chunk;
      }
      check.finish(parser.end());
    }
    await this.objects.putStream(key, checked(), 'application/json');
    const record: ExportImportRecord = {
      imported_at: new Date().toISOString(),
      posts: check.posts,
      ...(options.utcOffset !== undefined ? { utc_offset: options.utcOffset.trim() } : {}),
      local_dates: check.undated,
    };
    await this.objects.putJson(channelExportImportKey(channel), record);
    const warnings =
      check.undated > 0 && options.utcOffset === undefined
        ? [
            `${check.undated} messages of ${channel} have only the exporting computer's local time (an export from before 2021?): ` +
              'dates read as UTC; give --utc-offset (the exporter\'s offset, e.g. --utc-offset +03:00) and import again',
          ]
        : [];
    return { key, posts: check.posts, warnings };
  }
}

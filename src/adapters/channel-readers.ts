/**
 * The one place a channel's reader is chosen (docs/architecture.md "Channel readers"): the podcast's `channel_sources`
 * entry, else `auto`: the uploaded export when there is one, else the user session when one is stored, else the
 * public web preview.
 */
import { configuredSource } from '../core/channels.ts';
import type { ChannelSource, PodcastConfig } from '../core/contracts.ts';
import { ValidationError } from '../core/errors.ts';
import type { ChannelReader, ChannelReaders, ObjectStore } from '../core/ports.ts';
import { TelegramExportReader } from './telegram-export-reader.ts';
import { telegramSessionStore, type TelegramSessionStore } from './telegram-session.ts';
import { TelegramWebReader } from './telegram-web-reader.ts';

export interface ReaderSources {
  export: ChannelReader;
  web: ChannelReader;
  /** The session reader, built when first needed: GramJS and its connection ride only where channels are read. */
  mtproto?: () => Promise<ChannelReader>;
  /** Whether a Telegram session is stored (checked without connecting). */
  sessionStored: () => Promise<boolean>;
}

const NO_SESSION = 'no Telegram session is stored: run `telecast telegram login`';

export class ChannelReaderRegistry implements ChannelReaders {
  private mtprotoReader: Promise<ChannelReader> | undefined;

  constructor(private readonly sources: ReaderSources) {}

  /** Which source a channel is read from; `auto` resolved without network calls beyond existence checks. */
  async sourceFor(podcast: Pick<PodcastConfig, 'channel_sources'>, channel: string): Promise<ChannelSource> {
    const configured = configuredSource(podcast, channel);
    if (configured !== 'auto') return configured;
    if ((await this.sources.export.unreadable(channel)) === undefined) return 'export';
    if (await this.sources.sessionStored()) return 'mtproto';
    return 'web';
  }

  async readerFor(podcast: Pick<PodcastConfig, 'channel_sources'>, channel: string): Promise<ChannelReader> {
    const source = await this.sourceFor(podcast, channel);
    if (source !== 'mtproto') return this.sources[source];
    if (!this.sources.mtproto) throw new ValidationError(`channel ${channel} is read with a Telegram session, which this function cannot use`);
    this.mtprotoReader ??= this.sources.mtproto();
    return this.mtprotoReader;
  }

  /** Ends what a read opened (the session's connection), so a frozen Lambda holds no connection to Telegram. */
  async close(): Promise<void> {
    const reader = this.mtprotoReader;
    this.mtprotoReader = undefined;
    const built = await reader?.catch(() => undefined);
    await (built as { close?: () => Promise<void> } | undefined)?.close?.();
  }

  async unreadable(podcast: Pick<PodcastConfig, 'channel_sources'>, channel: string): Promise<string | undefined> {
    const source = await this.sourceFor(podcast, channel);
    const why = source === 'mtproto' ? ((await this.sources.sessionStored()) ? undefined : NO_SESSION) : await this.sources[source].unreadable(channel);
    if (why === undefined) return undefined;
    const auto = configuredSource(podcast, channel) === 'auto' ? ' (source auto: no export uploaded and no session stored)' : '';
    return `${channel} cannot be read from its ${source === 'web' ? 'web preview' : source}${auto}: ${why}`;
  }
}

export interface ChannelReaderSettings {
  objects: ObjectStore;
  /** TELEGRAM_WEB_URL. */
  webUrl: string;
  /** TELEGRAM_SESSION_SECRET_ID: `file:<path>`, a Secrets Manager id, or empty for none. */
  sessionSecretId: string;
  /**
   * The session reader, for the function that reads channels with it (the collector; GramJS is built on first use).
   * Absent: the function only asks whether a session is stored (the scheduler and the admin page, which may not read
   * it, and whose bundles do not carry GramJS).
   */
  sessionReader?: (store: TelegramSessionStore) => Promise<ChannelReader>;
}

/** The readers of one composition root, from its configuration. */
export function createChannelReaders(settings: ChannelReaderSettings): ChannelReaderRegistry {
  const store = settings.sessionSecretId ? telegramSessionStore(settings.sessionSecretId) : undefined;
  return new ChannelReaderRegistry({
    export: new TelegramExportReader(settings.objects),
    web: new TelegramWebReader({ baseUrl: settings.webUrl }),
    ...(settings.sessionReader && store ? { mtproto: () => settings.sessionReader!(store) } : {}),
    sessionStored: async () => (store ? store.stored() : false),
  });
}

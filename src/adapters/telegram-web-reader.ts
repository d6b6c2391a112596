/**
 * ChannelReader for Telegram's public web preview, `https://t.me/s/<channel>`: no credentials, public channels with
 * the preview on. Pages back with `?before=<id>` (about 20 posts a page) until the window's start, through a polite
 * fetcher (docs/architecture.md "Web preview reader"); each page is read by telegram-web-page.ts.
 */
import { channelName } from '../core/channels.ts';
import { inWindow } from '../core/collection/window.ts';
import { DownstreamError, NotFoundError, TelecastError, ValidationError } from '../core/errors.ts';
import type { MediaType } from '../core/contracts.ts';
import type { ChannelPost, ChannelReader, FetchedMedia, PostMedia, ReadRequest } from '../core/ports.ts';
import { PoliteFetcher, type PoliteFetchOptions } from './polite-fetch.ts';
import { readWebPreviewPage, type WebPreviewPage } from './telegram-web-page.ts';

export interface TelegramWebReaderOptions extends PoliteFetchOptions {
  /** Where the preview is served (default `https://t.me`; tests and the local stack point it at a local server). */
  baseUrl?: string;
  /** A page larger than this is refused (default 3 MB; real pages are about 100 KB). */
  maxPageBytes?: number;
  /** Pages read at most in one read, whatever the window (default 500: 10,000 posts). */
  maxPages?: number;
  /** A fetcher to share (its budget of concurrency and per-host spacing); the fetch options above are then unused. */
  fetcher?: PoliteFetcher;
}

/** What each media type's file must be served as. */
const CONTENT_TYPES: Partial<Record<MediaType, string>> = {
  photo: 'image/',
  sticker: 'image/',
  video: 'video/',
  animation: 'video/',
  voice: 'audio/',
  audio: 'audio/',
};

/** How many times a redirect within the preview (a channel name's case, say) is followed. */
const MAX_HOPS = 3;

/** How long a readiness answer is kept. */
const READINESS_TTL_MS = 5 * 60_000;

export class TelegramWebReader implements ChannelReader {
  readonly source = 'web' as const;
  private readonly base: URL;
  private readonly fetcher: PoliteFetcher;
  private readonly maxPageBytes: number;
  private readonly maxPages: number;
  private readonly readiness = new Map<string, { reason: string | undefined; until: number }>();

  constructor(options: TelegramWebReaderOptions = {}) {
    this.base = new URL(options.baseUrl ?? 'https://t.me');
    this.fetcher = options.fetcher ?? new PoliteFetcher(options);
    this.maxPageBytes = options.maxPageBytes ?? 3_000_000;
    this.maxPages = options.maxPages ?? 500;
  }

  /**
   * The reason a channel has no preview (or a permanent refusal); undefined when readable or when the failure may pass
   * (the read reports it). An answer is kept for a few minutes: the admin page asks on every view, and t.me need not
   * hear about it each time.
   */
  async unreadable(channel: string): Promise<string | undefined> {
    const name = channelName(channel);
    const now = Date.now();
    const known = this.readiness.get(name);
    if (known && known.until > now) return known.reason;
    let reason: string | undefined;
    try {
      // One try, no retries: an operator waits on this answer, and a failure that may pass is not "unreadable".
      await this.page(name, undefined, { retries: 0 });
    } catch (error) {
      // A failure that may pass counts as readable (the read will say what went wrong), and is kept like any answer.
      if (error instanceof TelecastError && !error.retryable) reason = error.message;
    }
    this.readiness.set(name, { reason, until: now + READINESS_TTL_MS });
    return reason;
  }

  async *read(channel: string, { window, afterId }: ReadRequest): AsyncIterable<ChannelPost[]> {
    const name = channelName(channel);
    const seen = new Set<number>();
    let before: number | undefined;
    for (let pages = 1; ; pages++) {
      const page = await this.page(name, before);
      const fresh = page.posts.filter((p) => !seen.has(p.id) && (afterId === undefined || p.id > afterId) && inWindow(new Date(p.date), window));
      for (const post of fresh) seen.add(post.id);
      if (fresh.length) yield fresh.sort((a, b) => b.id - a.id);
      // Older pages hold only older posts: once this one reaches the window's start (or the last id taken), stop.
      const reachedStart = page.posts.some((p) => new Date(p.date) <= window.from || (afterId !== undefined && p.id <= afterId));
      const next = page.before;
      if (reachedStart || next === undefined || (afterId !== undefined && next <= afterId + 1)) return;
      // A cursor that does not go back (the same page again, or a newer one) would never end.
      if (before !== undefined && next >= before) return;
      if (pages >= this.maxPages) throw new DownstreamError(`@${name}'s web preview: still not at the window's start after ${pages} pages`, { retryable: false });
      before = next;
    }
  }

  async fetchMedia(post: ChannelPost, media: PostMedia, maxBytes: number): Promise<FetchedMedia> {
    const subject = `the ${media.type} of message ${post.id} of @${post.channel}`;
    if (!media.url) throw new NotFoundError(`${subject}: the web preview gives no file for it (too big for the preview)`);
    const url = new URL(media.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError(`${subject}: ${media.url} is not a web address`);
    const response = await this.fetcher.get(url.href, { subject: `${subject} (${url.href})`, maxBytes, oversizeIsPermanent: true });
    const contentType = response.contentType.split(';')[0]!.trim().toLowerCase();
    const expected = CONTENT_TYPES[media.type];
    if (expected && !contentType.startsWith(expected)) {
      throw new ValidationError(`${subject}: ${url.href} is served as ${contentType || 'no stated type'}, not as ${expected}*`);
    }
    return { body: response.body, contentType: contentType || 'application/octet-stream' };
  }

  /** One page, newest when `before` is undefined; throws naming the channel when it cannot be read. */
  private async page(name: string, before: number | undefined, options: { retries?: number } = {}): Promise<WebPreviewPage> {
    const subject = `@${name}'s web preview${before === undefined ? '' : ` (before ${before})`}`;
    let url = new URL(`/s/${name}${before === undefined ? '' : `?before=${before}`}`, this.base).href;
    for (let hop = 0; ; hop++) {
      const response = await this.fetcher.get(url, { subject, maxBytes: this.maxPageBytes, redirect: 'manual', accept: 'text/html', ...options });
      if (response.status >= 300 && response.status < 400) {
        const target = response.location ? new URL(response.location) : undefined;
        const path = target?.pathname.replace(/\/+$/, '').toLowerCase();
        if (target?.origin === this.base.origin && path === `/s/${name}` && hop < MAX_HOPS) {
          url = target.href;
          continue;
        }
        if (target?.origin === this.base.origin && path === `/${name}`) {
          throw new ValidationError(`@${name} has no public web preview (t.me sends /s/${name} on to /${name}: the channel is private, restricted, has the preview off, or does not exist)`);
        }
        throw new DownstreamError(`${subject}: redirected to ${target?.href ?? 'nowhere'}, not to Telegram's preview (a captive portal or a proxy's login?)`);
      }
      const type = response.contentType.split(';')[0]!.trim().toLowerCase();
      if (type && type !== 'text/html') throw new DownstreamError(`${subject}: the answer is ${type}, not Telegram's HTML page (a captive portal or a proxy?)`);
      const read = readWebPreviewPage(name, new TextDecoder().decode(response.body));
      switch (read.kind) {
        case 'page':
          return read;
        case 'no-preview':
          throw new ValidationError(`@${name} has no public web preview (${read.detail}: private, restricted, or no such channel)`);
        case 'not-telegram':
          throw new DownstreamError(`${subject}: ${read.detail}`);
        case 'truncated':
          throw new DownstreamError(`${subject}: ${read.detail}: the answer was cut short`);
      }
    }
  }
}

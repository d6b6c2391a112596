/**
 * ChannelReader over a Telegram user session (MTProto, through GramJS: the `telegram` package). Reads a channel's
 * history by message id, newest first, in pages of 100 after the last id an earlier episode took, down to the window's
 * start. The client is injected with the few GramJS `TelegramClient` methods used ({@link MtprotoClient}), so tests
 * pass an object of GramJS's shapes; {@link gramjsClient} makes the real one from a stored session.
 * docs/architecture.md "MTProto reader".
 */
import type { MediaType } from '../core/contracts.ts';
import { normaliseChannel } from '../core/channels.ts';
import { inWindow } from '../core/collection/window.ts';
import { DownstreamError, NotFoundError, RetryLaterError, TelecastError, ValidationError, errorMessage } from '../core/errors.ts';
import type { ChannelPost, ChannelReader, FetchedMedia, PostMedia, PostOrigin, ReadRequest } from '../core/ports.ts';
import type { TelegramSession } from './telegram-session.ts';
import type { Api } from 'telegram';
import type { Entity } from 'telegram/define.js';

/** A user, chat or channel as GramJS returns it (Api.User, Api.Channel, Api.ChannelForbidden, …). */
export interface MtprotoPeer {
  className: string;
  username?: string;
  title?: string;
  firstName?: string;
  lastName?: string;
  broadcast?: boolean;
  megagroup?: boolean;
}

/** Api.MessageEntity*: offsets and lengths in UTF-16 code units, as JavaScript strings count. */
export interface MtprotoTextEntity {
  className: string;
  offset: number;
  length: number;
  url?: string;
}

/** A TL `long` (GramJS's big-integer) or a number. */
type Long = number | { toString(): string };

export interface MtprotoPhotoSize {
  className: string;
  size?: number;
  sizes?: number[];
}

export interface MtprotoDocument {
  className: string;
  mimeType?: string;
  size?: Long;
  attributes?: Array<{ className: string; voice?: boolean; fileName?: string }>;
}

/** Text with entities (Api.TextWithEntities); older layers sent a bare string. */
type PollText = string | { text: string };

/** Api.MessageMedia*: photo, document, poll, web page (others are read as no media). */
export interface MtprotoMedia {
  className: string;
  photo?: { className: string; sizes?: MtprotoPhotoSize[] };
  document?: MtprotoDocument;
  poll?: { question: PollText; answers: Array<{ text: PollText }> };
  webpage?: { className: string; url?: string };
}

/** Api.Message (and Api.MessageService / MessageEmpty, which are not posts). `date` is unix seconds. */
export interface MtprotoMessage {
  className: string;
  id: number;
  date?: number;
  message?: string;
  entities?: MtprotoTextEntity[];
  media?: MtprotoMedia;
  fwdFrom?: { fromName?: string; channelPost?: number };
  /** GramJS's resolved forward header: the origin channel (`chat`) or user (`sender`) when the answer carried it. */
  forward?: { chat?: MtprotoPeer; sender?: MtprotoPeer };
  groupedId?: Long;
  views?: number;
}

/** GramJS's getMessages parameters the reader passes (IterMessagesParams). */
export interface MtprotoHistoryParams {
  limit?: number;
  minId?: number;
  offsetId?: number;
  offsetDate?: number;
  ids?: number[];
}

/** The parts of GramJS's TelegramClient the reader uses; a real TelegramClient is one (its peers are GramJS's `Entity`, its messages `Api.Message`). */
export interface MtprotoClient<Peer extends MtprotoPeer = MtprotoPeer, Message extends MtprotoMessage = MtprotoMessage> {
  connect(): Promise<boolean>;
  readonly connected: boolean | undefined;
  /** An authorised call: throws AUTH_KEY_UNREGISTERED, SESSION_REVOKED, … when the session no longer works. */
  getMe(): Promise<unknown>;
  getEntity(entity: string): Promise<Peer>;
  getMessages(entity: Peer, params: MtprotoHistoryParams): Promise<ArrayLike<Message | undefined>>;
  downloadMedia(message: Message, params: object): Promise<Uint8Array | string | undefined>;
  /** Disconnects and ends GramJS's ping loop (disconnect alone leaves it running). */
  destroy(): Promise<void>;
}

/** Makes a client (not yet connected) for a stored session. */
export type MtprotoClientFactory = (session: TelegramSession) => MtprotoClient | Promise<MtprotoClient>;

export interface MtprotoReaderOptions {
  /** Flood waits up to this long are slept through; longer ones throw RetryLaterError. Default 60 s. */
  maxFloodSleepSeconds?: number;
  /** Default: a real timer. Tests pass one that records and returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Messages per history request; Telegram serves at most 100. */
  pageSize?: number;
}

/** The client's errors the reader reads: GramJS's RPCError (`errorMessage`, `code`) and FloodWaitError (`seconds`). */
interface GramjsError {
  errorMessage?: unknown;
  code?: unknown;
  seconds?: unknown;
  message?: unknown;
}

const LOGIN = 'run telecast telegram login';

/** RPC errors after which only a new login helps (https://core.telegram.org/api/errors#401-unauthorized). */
const LOGIN_NEEDED = new Set([
  'AUTH_KEY_UNREGISTERED',
  'AUTH_KEY_INVALID',
  'AUTH_KEY_PERM_EMPTY',
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
  'USER_DEACTIVATED',
  'USER_DEACTIVATED_BAN',
]);
const CHANNEL_UNKNOWN = new Set(['USERNAME_NOT_OCCUPIED', 'USERNAME_INVALID']);
const CHANNEL_UNREADABLE = new Set(['CHANNEL_PRIVATE', 'CHANNEL_INVALID', 'CHANNEL_PUBLIC_GROUP_NA', 'CHAT_FORBIDDEN']);
/** Flood waits slept through in a row before giving up on one call. */
const MAX_FLOOD_SLEEPS = 5;

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A flood wait's seconds: GramJS's FloodWaitError has code 420 and `seconds`; undefined for other errors. */
function floodSeconds(error: unknown): number | undefined {
  const e = error as GramjsError | null;
  const flood = e?.code === 420 || (typeof e?.errorMessage === 'string' && e.errorMessage.startsWith('FLOOD'));
  return flood && typeof e?.seconds === 'number' ? e.seconds : undefined;
}

function rpcName(error: unknown): string {
  const name = (error as GramjsError | null)?.errorMessage;
  return typeof name === 'string' ? name : '';
}

const toNumber = (value: Long | undefined): number | undefined => (value === undefined ? undefined : Number(String(value)));
const pollText = (text: PollText): string => (typeof text === 'string' ? text : text.text);

/** What a medium is, its size when Telegram says, and the type it downloads as. */
function mediaKind(media: MtprotoMedia | undefined): { type: MediaType; bytes?: number; contentType: string; extension: string } | undefined {
  if (media?.className === 'MessageMediaPhoto' && media.photo?.className === 'Photo') {
    // downloadMedia takes the largest size; a progressive size lists its steps, the last the whole file.
    const sizes = (media.photo.sizes ?? []).map((s) => s.size ?? Math.max(0, ...(s.sizes ?? [])));
    return { type: 'photo', bytes: sizes.length ? Math.max(...sizes) : undefined, contentType: 'image/jpeg', extension: 'jpg' };
  }
  const doc = media?.className === 'MessageMediaDocument' ? media.document : undefined;
  if (doc?.className !== 'Document') return undefined;
  const has = (name: string): boolean => Boolean(doc.attributes?.some((a) => a.className === name));
  const audio = doc.attributes?.find((a) => a.className === 'DocumentAttributeAudio');
  const type: MediaType = has('DocumentAttributeSticker')
    ? 'sticker'
    : has('DocumentAttributeAnimated')
      ? 'animation'
      : has('DocumentAttributeVideo')
        ? 'video'
        : audio
          ? audio.voice
            ? 'voice'
            : 'audio'
          : 'document';
  const contentType = doc.mimeType || 'application/octet-stream';
  const named = doc.attributes?.find((a) => a.className === 'DocumentAttributeFilename')?.fileName?.match(/\.([A-Za-z0-9]{1,8})$/)?.[1];
  const extension = named?.toLowerCase() ?? contentType.split('/')[1]?.replace(/^x-/, '').replace(/[^a-z0-9]/gi, '').slice(0, 8) ?? 'bin';
  return { type, bytes: toNumber(doc.size), contentType, extension: extension || 'bin' };
}

/** A medium's name in a post: `<message id>.<extension>` (an album's photos are separate messages). */
const mediaFile = (messageId: number, extension: string): string => `${messageId}.${extension}`;

const withScheme = (url: string): string => (/^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `https://${url}`);

/**
 * A message's text as a listener hears it and its links: spoilers left out (entity offsets count UTF-16 units, as
 * JavaScript strings do, so a custom emoji's surrogate pair before them shifts nothing), Url entities' text (a bare
 * domain given https://) and TextUrl entities' targets, links inside a spoiler left out with it.
 */
export function messageTextAndLinks(text: string, entities: MtprotoTextEntity[] = []): { text: string; links: string[] } {
  const hidden = entities.filter((e) => e.className === 'MessageEntitySpoiler').map((e) => [e.offset, e.offset + e.length] as const);
  const isHidden = (e: MtprotoTextEntity): boolean => hidden.some(([from, to]) => e.offset >= from && e.offset + e.length <= to);
  const links = entities.flatMap((e) =>
    isHidden(e) ? [] : e.className === 'MessageEntityTextUrl' && e.url ? [e.url] : e.className === 'MessageEntityUrl' ? [withScheme(text.slice(e.offset, e.offset + e.length))] : [],
  );
  let shown = '';
  let at = 0;
  for (const [from, to] of [...hidden].sort((a, b) => a[0] - b[0])) {
    if (from > at) shown += text.slice(at, from);
    at = Math.max(at, to);
  }
  shown += text.slice(at);
  // A cut spoiler leaves its neighbours' spaces side by side.
  const cleaned = hidden.length ? shown.replace(/[ \t]{2,}/g, ' ').replace(/[ \t]+\n/g, '\n').trim() : shown;
  return { text: cleaned, links };
}

function pollAsText(media: MtprotoMedia | undefined): string {
  if (media?.className !== 'MessageMediaPoll' || !media.poll) return '';
  return [`Poll: ${pollText(media.poll.question)}`, ...media.poll.answers.map((a) => `- ${pollText(a.text)}`)].join('\n');
}

function origin(message: MtprotoMessage): PostOrigin | undefined {
  if (!message.fwdFrom) return undefined;
  const from = message.forward?.chat ?? message.forward?.sender;
  const person = [from?.firstName, from?.lastName].filter(Boolean).join(' ');
  const name = message.fwdFrom.fromName ?? from?.title ?? (person || undefined);
  return {
    ...(name ? { name } : {}),
    ...(from?.username ? { channel: normaliseChannel(from.username) } : {}),
    ...(message.fwdFrom.channelPost ? { id: message.fwdFrom.channelPost } : {}),
  };
}

/** One post from a message, or from an album's messages (one `groupedId`), given oldest first. */
function toPost(channel: string, parts: MtprotoMessage[]): ChannelPost {
  const pieces = parts.map((m) => {
    const { text, links } = messageTextAndLinks(m.message ?? '', m.entities);
    const webpage = m.media?.className === 'MessageMediaWebPage' ? m.media.webpage?.url : undefined;
    return { text: [text, pollAsText(m.media)].filter(Boolean).join('\n\n'), links: webpage ? [...links, webpage] : links };
  });
  const media = parts.flatMap((m): PostMedia[] => {
    const kind = mediaKind(m.media);
    return kind ? [{ type: kind.type, file: mediaFile(m.id, kind.extension) }] : [];
  });
  // The album's highest id: the next read starts after it, so no part of the album comes back.
  const newest = parts[parts.length - 1] as MtprotoMessage;
  const views = Math.max(...parts.map((m) => m.views ?? -1));
  const forwarded = parts.map(origin).find(Boolean);
  return {
    channel,
    id: newest.id,
    date: new Date((newest.date ?? 0) * 1000).toISOString(),
    text: pieces.map((p) => p.text).filter(Boolean).join('\n\n'),
    links: [...new Set(pieces.flatMap((p) => p.links))],
    media,
    ...(forwarded ? { forwarded_from: forwarded } : {}),
    ...(views >= 0 ? { views } : {}),
  };
}

/** Messages, newest first, as posts, newest first: an album's parts merged into one post. */
function toPosts(channel: string, messages: MtprotoMessage[]): ChannelPost[] {
  const groups = new Map<string, MtprotoMessage[]>();
  for (const m of messages) {
    const key = m.groupedId === undefined ? `id:${m.id}` : `album:${String(m.groupedId)}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((parts) => toPost(channel, [...parts].sort((a, b) => a.id - b.id)));
}

const isPost = (m: MtprotoMessage | undefined): m is MtprotoMessage => m?.className === 'Message';

export class TelegramMtprotoReader implements ChannelReader {
  readonly source = 'mtproto' as const;
  private readonly maxFloodSleepSeconds: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pageSize: number;
  private live: Promise<MtprotoClient> | undefined;
  private peers = new Map<string, Promise<MtprotoPeer>>();
  /** The session string of the live client, so no error text can carry it. */
  private secret: string | undefined;

  constructor(
    private readonly sessions: { load(): Promise<TelegramSession | undefined> },
    private readonly clientFor: MtprotoClientFactory,
    options: MtprotoReaderOptions = {},
  ) {
    this.maxFloodSleepSeconds = options.maxFloodSleepSeconds ?? 60;
    this.sleep = options.sleep ?? realSleep;
    this.pageSize = options.pageSize ?? 100;
  }

  async unreadable(_channel: string): Promise<string | undefined> {
    return (await this.sessions.load()) ? undefined : `no Telegram session: ${LOGIN}`;
  }

  async *read(channel: string, { window, afterId }: ReadRequest): AsyncIterable<ChannelPost[]> {
    const name = normaliseChannel(channel);
    const client = await this.client(name);
    const peer = await this.peer(client, name);
    const seen = new Set<number>();
    // An album's parts found at the end of a page wait for the rest of it on the next page.
    let waiting: MtprotoMessage[] = [];
    let offsetId = 0;
    for (let done = false; !done; ) {
      // The first page starts at the window's end (offsetDate is exclusive, in whole seconds), later ones below the oldest id seen.
      const params: MtprotoHistoryParams = { limit: this.pageSize, minId: afterId ?? 0, ...(offsetId ? { offsetId } : { offsetDate: Math.floor(window.to.getTime() / 1000) + 1 }) };
      const page = Array.from(await this.call(name, 'reading the history of', () => client.getMessages(peer, params))).filter((m): m is MtprotoMessage => m !== undefined);
      const ids = page.map((m) => m.id).filter((id) => id > (afterId ?? 0));
      done = ids.length < this.pageSize || ids.some((id) => seen.has(id));
      if (ids.length) offsetId = Math.min(...ids);
      let messages = [...waiting, ...page.filter((m) => isPost(m) && m.id > (afterId ?? 0) && !seen.has(m.id))];
      waiting = [];
      for (const m of messages) seen.add(m.id);
      if (messages.some((m) => new Date((m.date ?? 0) * 1000) <= window.from)) done = true;
      messages = messages.filter((m) => inWindow(new Date((m.date ?? 0) * 1000), window));
      const last = messages[messages.length - 1];
      if (!done && last?.groupedId !== undefined) {
        const album = String(last.groupedId);
        waiting = messages.filter((m) => String(m.groupedId) === album);
        messages = messages.filter((m) => String(m.groupedId) !== album);
      }
      const posts = toPosts(name, messages);
      if (posts.length) yield posts;
    }
  }

  async fetchMedia(post: ChannelPost, media: PostMedia, maxBytes: number): Promise<FetchedMedia> {
    const name = normaliseChannel(post.channel);
    const messageId = Number(media.file?.match(/^(\d+)\./)?.[1]);
    const what = `the ${media.type} of post ${post.id} of @${name}`;
    if (!Number.isInteger(messageId) || messageId <= 0) throw new NotFoundError(`${what}: no Telegram message named for it (file ${JSON.stringify(media.file)})`);
    const client = await this.client(name);
    const peer = await this.peer(client, name);
    const [message] = Array.from(await this.call(name, `fetching ${what} from`, () => client.getMessages(peer, { ids: [messageId] })));
    const kind = isPost(message) ? mediaKind(message.media) : undefined;
    if (!message || !kind) throw new NotFoundError(`${what}: message ${messageId} no longer holds it`);
    if (kind.type !== media.type) throw new ValidationError(`${what}: message ${messageId} now holds a ${kind.type}`);
    if (kind.bytes !== undefined && kind.bytes > maxBytes) throw new ValidationError(`${what} is ${kind.bytes} bytes, over the ${maxBytes}-byte media cap`);
    const body = await this.call(name, `downloading ${what} from`, () => client.downloadMedia(message, {}));
    if (!body || typeof body === 'string' || body.byteLength === 0) throw new NotFoundError(`${what}: Telegram sent no file for message ${messageId}`);
    if (body.byteLength > maxBytes) throw new ValidationError(`${what} is over the ${maxBytes}-byte media cap`);
    return { body, contentType: kind.contentType };
  }

  /** Disconnects the client, if one is open (the end of an invocation: a session used from two places is refused). */
  async close(): Promise<void> {
    await this.discard();
  }

  /** Forgets the client and destroys it once open; never waits on a client still opening (its own failure ends it). */
  private discard(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    this.peers.clear();
    return live?.then((c) => c.destroy()).catch(() => {}) ?? Promise.resolve();
  }

  private async client(channel: string): Promise<MtprotoClient> {
    if (this.live) {
      const client = await this.live.catch(() => undefined);
      if (client?.connected) return client;
      await this.discard();
    }
    const opening = this.open(channel);
    this.live = opening;
    opening.catch(() => {
      if (this.live === opening) this.live = undefined;
    });
    return opening;
  }

  private async open(channel: string): Promise<MtprotoClient> {
    const session = await this.sessions.load();
    if (!session) throw new ValidationError(`login needed: no Telegram session is stored to read @${channel}; ${LOGIN}`);
    this.secret = session.session;
    const client = await this.clientFor(session);
    try {
      await client.connect();
      // GramJS's connect resolves (false) after its retries when Telegram cannot be reached.
      if (!client.connected) throw new DownstreamError(`cannot reach Telegram to read @${channel}: the connection did not come up`);
      await this.call(channel, 'checking the Telegram session for', () => client.getMe());
      return client;
    } catch (error) {
      await client.destroy().catch(() => {});
      if (error instanceof TelecastError) throw error;
      throw new DownstreamError(`cannot reach Telegram to read @${channel}: ${this.scrub(errorMessage(error))}`, { cause: error });
    }
  }

  private peer(client: MtprotoClient, channel: string): Promise<MtprotoPeer> {
    let peer = this.peers.get(channel);
    if (!peer) {
      peer = this.call(channel, 'resolving', () => client.getEntity(channel)).then((entity) => this.checkedChannel(channel, entity));
      this.peers.set(channel, peer);
      peer.catch(() => this.peers.delete(channel));
    }
    return peer;
  }

  private checkedChannel(channel: string, entity: MtprotoPeer): MtprotoPeer {
    if (entity.className === 'ChannelForbidden') throw new ValidationError(`@${channel} is a private channel this Telegram account cannot read (it was removed or banned from it)`);
    if (entity.className === 'User') throw new ValidationError(`@${channel} is a Telegram user, not a channel`);
    if (entity.className !== 'Channel' || entity.megagroup) {
      throw new ValidationError(`@${channel} is a group, not a channel: a group's members wrote privately, and their messages are not read into a podcast`);
    }
    return entity;
  }

  /** One client call: flood waits within the bound slept through, every other failure mapped to an error naming the channel. */
  private async call<T>(channel: string, doing: string, request: () => Promise<T>): Promise<T> {
    for (let sleeps = 0; ; sleeps++) {
      try {
        return await request();
      } catch (error) {
        const seconds = floodSeconds(error);
        if (seconds !== undefined && seconds <= this.maxFloodSleepSeconds && sleeps < MAX_FLOOD_SLEEPS) {
          await this.sleep(seconds * 1000);
          continue;
        }
        throw this.failure(channel, doing, error);
      }
    }
  }

  private failure(channel: string, doing: string, error: unknown): TelecastError {
    if (error instanceof TelecastError) return error;
    const rpc = rpcName(error);
    const text = this.scrub(errorMessage(error));
    const seconds = floodSeconds(error);
    if (seconds !== undefined) return new RetryLaterError(`Telegram asks to wait ${seconds} s before ${doing} @${channel} again (FLOOD_WAIT)`, seconds, error);
    if (LOGIN_NEEDED.has(rpc) || (error as GramjsError).code === 401) {
      void this.discard();
      return new ValidationError(`login needed: Telegram refused the stored session (${rpc || text}) while ${doing} @${channel}; ${LOGIN}`, [], error);
    }
    if (rpc === 'AUTH_KEY_DUPLICATED') {
      void this.discard();
      return new DownstreamError(
        `Telegram refused the session while ${doing} @${channel} (AUTH_KEY_DUPLICATED): a second collector used the same session at the same time; the retry reconnects, and if it keeps failing, ${LOGIN}`,
        { cause: error },
      );
    }
    // GramJS turns USERNAME_NOT_OCCUPIED from contacts.resolveUsername into a plain Error with this text.
    if (CHANNEL_UNKNOWN.has(rpc) || /^No user has ".*" as username$|^Cannot find any entity corresponding to/.test(String((error as GramjsError).message))) {
      return new NotFoundError(`there is no Telegram channel @${channel} (${rpc || text})`, error);
    }
    if (CHANNEL_UNREADABLE.has(rpc)) return new ValidationError(`@${channel} is private or this Telegram account cannot read it (${rpc})`, [], error);
    // Anything else (a dropped connection, a timeout, Telegram's own trouble) may pass: the retry reconnects.
    void this.discard();
    return new DownstreamError(`${doing} @${channel} over Telegram failed: ${text}`, { cause: error });
  }

  private scrub(text: string): string {
    return this.secret ? text.split(this.secret).join('[session]') : text;
  }
}

/**
 * A real GramJS client for a stored session: quiet logs (GramJS logs at info by default), flood waits left to the
 * reader (floodSleepThreshold 0, so its bound and injected sleep apply), a few connection retries. GramJS is imported
 * here on first use only.
 */
export async function gramjsClient(session: Pick<TelegramSession, 'api_id' | 'api_hash'> & { session?: string }): Promise<MtprotoClient & GramjsLoginClient> {
  const { TelegramClient, Logger, sessions } = await import('telegram');
  const { LogLevel } = await import('telegram/extensions/Logger.js');
  const client = new TelegramClient(new sessions.StringSession(session.session ?? ''), session.api_id, session.api_hash, {
    connectionRetries: 3,
    floodSleepThreshold: 0,
    baseLogger: new Logger(LogLevel.ERROR),
  });
  // The assignment checks, at compile time, that GramJS's TelegramClient has the shapes the reader and login use.
  const typed: MtprotoClient<Entity, Api.Message> & GramjsLoginClient = client;
  return typed;
}

/** The GramJS shapes `telecast telegram login` uses (client.start's UserAuthParams). */
export interface GramjsLoginClient {
  start(params: {
    phoneNumber: string | (() => Promise<string>);
    phoneCode: (isCodeViaApp?: boolean) => Promise<string>;
    password?: (hint?: string) => Promise<string>;
    onError: (error: Error) => Promise<boolean> | void;
  }): Promise<void>;
  getMe(): Promise<unknown>;
  session: { save(): unknown };
  destroy(): Promise<void>;
}

/**
 * Stand-ins for GramJS's TelegramClient built from GramJS's own TL classes and errors (`telegram` package): messages are
 * real `Api.Message` objects, errors are what `RPCMessageToError` makes of Telegram's answers, and history requests
 * follow `_MessagesIter`'s semantics (newest first, `minId`/`offsetId` exclusive, `offsetDate` exclusive, `limit`).
 */
import { Api, errors, helpers, utils } from 'telegram';
import type { Entity } from 'telegram/define.js';
import type { MtprotoClient, MtprotoHistoryParams, GramjsLoginClient } from '../../src/adapters/telegram-mtproto-reader.ts';

export const CHANNEL_ID = 1001;
const peerOf = (id: number): Api.PeerChannel => new Api.PeerChannel({ channelId: helpers.returnBigInt(id) });

/** A broadcast channel as contacts.resolveUsername answers it. */
export function channelEntity(username: string, options: { id?: number; title?: string; megagroup?: boolean } = {}): Api.Channel {
  return new Api.Channel({
    id: helpers.returnBigInt(options.id ?? CHANNEL_ID),
    title: options.title ?? username,
    username,
    broadcast: !options.megagroup,
    megagroup: options.megagroup,
    photo: new Api.ChatPhotoEmpty(),
    date: 1_600_000_000,
  } as ConstructorParameters<typeof Api.Channel>[0]);
}

export interface MessageSpec {
  id: number;
  /** Unix seconds. */
  date: number;
  text?: string;
  entities?: Api.TypeMessageEntity[];
  media?: Api.TypeMessageMedia;
  groupedId?: number;
  views?: number;
  /** Forwarded from this channel (resolved in the answer's chats, as GramJS finishes it), or only a hidden name. */
  forwardedFrom?: { channel: Api.Channel; post?: number } | { hiddenName: string };
}

/** A channel post as messages.getHistory returns it, finished the way GramJS finishes it (its forward resolved). */
export function channelMessage(spec: MessageSpec): Api.Message {
  const forward = spec.forwardedFrom;
  const message = new Api.Message({
    id: spec.id,
    peerId: peerOf(CHANNEL_ID),
    date: spec.date,
    message: spec.text ?? '',
    entities: spec.entities,
    media: spec.media,
    post: true,
    views: spec.views,
    groupedId: spec.groupedId === undefined ? undefined : helpers.returnBigInt(spec.groupedId),
    fwdFrom: !forward
      ? undefined
      : 'hiddenName' in forward
        ? new Api.MessageFwdHeader({ date: spec.date - 60, fromName: forward.hiddenName })
        : new Api.MessageFwdHeader({ date: spec.date - 60, fromId: peerOf(Number(forward.channel.id)), channelPost: forward.post }),
  });
  const chats = new Map<string, Entity>();
  if (forward && 'channel' in forward) chats.set(String(utils.getPeerId(peerOf(Number(forward.channel.id)))), forward.channel);
  message._finishInit({ _entityCache: { get: () => undefined } } as never, chats as never, undefined);
  return message;
}

/** A service message (pinned, channel created): in the history, never a post. */
export function serviceMessage(id: number, date: number): Api.MessageService {
  return new Api.MessageService({ id, peerId: peerOf(CHANNEL_ID), date, action: new Api.MessageActionPinMessage() } as ConstructorParameters<typeof Api.MessageService>[0]);
}

/** A photo as Telegram sends it: stripped and sized thumbnails, the largest a progressive JPEG. */
export function photoMedia(id: number, largestBytes = 120_000): Api.MessageMediaPhoto {
  return new Api.MessageMediaPhoto({
    photo: new Api.Photo({
      id: helpers.returnBigInt(id),
      accessHash: helpers.returnBigInt(5),
      fileReference: Buffer.from('ref'),
      date: 1_700_000_000,
      dcId: 2,
      sizes: [
        new Api.PhotoStrippedSize({ type: 'i', bytes: Buffer.from([1, 40, 30]) }),
        new Api.PhotoSize({ type: 'm', w: 320, h: 240, size: 14_000 }),
        new Api.PhotoSizeProgressive({ type: 'y', w: 1280, h: 960, sizes: [10_000, 40_000, largestBytes] }),
      ],
    }),
  });
}

export function documentMedia(id: number, mimeType: string, bytes: number, attributes: Api.TypeDocumentAttribute[] = []): Api.MessageMediaDocument {
  return new Api.MessageMediaDocument({
    document: new Api.Document({
      id: helpers.returnBigInt(id),
      accessHash: helpers.returnBigInt(6),
      fileReference: Buffer.from('ref'),
      date: 1_700_000_000,
      mimeType,
      size: helpers.returnBigInt(bytes),
      dcId: 2,
      attributes,
    }),
  });
}

export function pollMedia(question: string, answers: string[]): Api.MessageMediaPoll {
  const text = (t: string): Api.TextWithEntities => new Api.TextWithEntities({ text: t, entities: [] });
  return new Api.MessageMediaPoll({
    poll: new Api.Poll({ id: helpers.returnBigInt(9), question: text(question), answers: answers.map((a, i) => new Api.PollAnswer({ text: text(a), option: Buffer.from([i]) })) }),
    results: new Api.PollResults({}),
  });
}

/** Telegram's error answer as GramJS raises it (FloodWaitError for FLOOD_WAIT_N, else an RPCError with errorMessage). */
export function rpcError(code: number, message: string): Error {
  return errors.RPCMessageToError(new Api.RpcError({ errorCode: code, errorMessage: message }), new Api.messages.GetHistory({} as never)) as Error;
}

export interface FakeChannel {
  entity: Entity;
  messages: Array<Api.Message | Api.MessageService>;
  /** Downloaded bytes per message id. */
  files?: Map<number, Buffer>;
}

/** A TelegramClient stand-in over fixed channels; `failures` are thrown by the next calls of that method, in order. */
export class FakeTelegramClient implements MtprotoClient<Entity, Api.Message> {
  connected: boolean | undefined = false;
  readonly calls: { getMessages: MtprotoHistoryParams[]; getEntity: string[]; downloadMedia: number[]; destroy: number; getMe: number } = {
    getMessages: [],
    getEntity: [],
    downloadMedia: [],
    destroy: 0,
    getMe: 0,
  };
  readonly failures: { getMessages: Array<Error | undefined>; getEntity: Array<Error | undefined>; getMe: Array<Error | undefined>; downloadMedia: Array<Error | undefined> } = {
    getMessages: [],
    getEntity: [],
    getMe: [],
    downloadMedia: [],
  };
  /** Telegram unreachable: connect resolves false after its retries, as GramJS's does. */
  offline = false;

  constructor(private readonly channels: Record<string, FakeChannel>) {}

  async connect(): Promise<boolean> {
    if (this.offline) return false;
    this.connected = true;
    return true;
  }

  async getMe(): Promise<Api.User> {
    this.calls.getMe++;
    const failure = this.failures.getMe.shift();
    if (failure) throw failure;
    return new Api.User({ id: helpers.returnBigInt(42), firstName: 'Ann' } as ConstructorParameters<typeof Api.User>[0]);
  }

  async getEntity(name: string): Promise<Entity> {
    this.calls.getEntity.push(name);
    const failure = this.failures.getEntity.shift();
    if (failure) throw failure;
    const channel = this.channels[name];
    // What GramJS makes of USERNAME_NOT_OCCUPIED (client/users.js _getEntityFromString).
    if (!channel) throw new Error(`No user has "${name}" as username`);
    return channel.entity;
  }

  private channelOf(entity: Entity): FakeChannel {
    const found = Object.values(this.channels).find((c) => c.entity === entity);
    if (!found) throw new Error('not an entity this client resolved');
    return found;
  }

  async getMessages(entity: Entity, params: MtprotoHistoryParams): Promise<Array<Api.Message | undefined>> {
    this.calls.getMessages.push({ ...params });
    const failure = this.failures.getMessages.shift();
    if (failure) {
      if (/disconnected/.test(failure.message)) this.connected = false;
      throw failure;
    }
    const all = this.channelOf(entity).messages;
    if (params.ids) return params.ids.map((id) => all.find((m): m is Api.Message => m.id === id && m.className === 'Message'));
    const page = all
      .filter((m) => m.id > (params.minId ?? 0) && (!params.offsetId || m.id < params.offsetId) && (!params.offsetDate || m.date < params.offsetDate))
      .sort((a, b) => b.id - a.id)
      .slice(0, params.limit ?? 100);
    return page as Api.Message[];
  }

  async downloadMedia(message: Api.Message): Promise<Buffer | undefined> {
    this.calls.downloadMedia.push(message.id);
    const failure = this.failures.downloadMedia.shift();
    if (failure) throw failure;
    return Object.values(this.channels)
      .map((c) => c.files?.get(message.id))
      .find(Boolean);
  }

  async destroy(): Promise<void> {
    this.calls.destroy++;
    this.connected = false;
  }
}

/** What GramJS's `start` does with UserAuthParams (client/auth.js signInUser, signInWithPassword), against one account. */
export class FakeLoginClient implements GramjsLoginClient {
  readonly seen: { phones: string[]; codes: string[]; passwords: string[]; hints: Array<string | undefined>; errors: string[] } = {
    phones: [],
    codes: [],
    passwords: [],
    hints: [],
    errors: [],
  };
  destroyed = false;
  private loggedIn = false;

  constructor(
    private readonly account: { phone: string; code: string; password?: string; hint?: string; session: string; firstName: string; lastName?: string },
  ) {}

  readonly session = { save: (): string => (this.loggedIn ? this.account.session : '') };

  async start(params: Parameters<GramjsLoginClient['start']>[0]): Promise<void> {
    const stop = async (error: Error): Promise<void> => {
      this.seen.errors.push((error as { errorMessage?: string }).errorMessage ?? error.message);
      if (await params.onError(error)) throw new Error('AUTH_USER_CANCEL');
    };
    for (;;) {
      const phone = typeof params.phoneNumber === 'function' ? await params.phoneNumber() : params.phoneNumber;
      this.seen.phones.push(phone);
      if (phone === this.account.phone) break;
      await stop(rpcError(400, 'PHONE_NUMBER_INVALID'));
    }
    for (;;) {
      let code: string | undefined;
      try {
        code = await params.phoneCode(true);
      } catch {
        code = undefined; // GramJS swallows a failing phoneCode callback
      }
      if (!code) {
        await stop(new Error('Code is empty'));
        continue;
      }
      this.seen.codes.push(code);
      if (code === this.account.code) break;
      await stop(rpcError(400, 'PHONE_CODE_INVALID'));
    }
    while (this.account.password !== undefined) {
      if (!params.password) throw new Error('Account has 2FA enabled.');
      this.seen.hints.push(this.account.hint);
      const password = await params.password(this.account.hint);
      this.seen.passwords.push(password);
      if (password === this.account.password) break;
      await stop(rpcError(400, 'PASSWORD_HASH_INVALID'));
    }
    this.loggedIn = true;
  }

  async getMe(): Promise<Api.User> {
    if (!this.loggedIn) throw rpcError(401, 'AUTH_KEY_UNREGISTERED');
    return new Api.User({ id: helpers.returnBigInt(42), firstName: this.account.firstName, lastName: this.account.lastName } as ConstructorParameters<typeof Api.User>[0]);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
  }
}

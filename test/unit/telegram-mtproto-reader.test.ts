import { expect } from 'chai';
import { Api, helpers } from 'telegram';
import { DownstreamError, NotFoundError, RetryLaterError, TelecastError, ValidationError, isRetryable } from '../../src/core/errors.ts';
import type { ChannelPost, ReadRequest } from '../../src/core/ports.ts';
import { TelegramMtprotoReader, gramjsClient, type MtprotoReaderOptions } from '../../src/adapters/telegram-mtproto-reader.ts';
import type { TelegramSession } from '../../src/adapters/telegram-session.ts';
import {
  FakeTelegramClient,
  channelEntity,
  channelMessage,
  documentMedia,
  photoMedia,
  pollMedia,
  rpcError,
  serviceMessage,
  type FakeChannel,
} from '../helpers/fake-telegram.ts';

const SESSION: TelegramSession = { api_id: 12345, api_hash: '0123456789abcdef0123456789abcdef', session: '1BVtsOK8Bu-secret-session-string' };
const T0 = 1_795_850_000; // unix seconds
const window = (fromSeconds: number, toSeconds: number): ReadRequest['window'] => ({ from: new Date(fromSeconds * 1000), to: new Date(toSeconds * 1000) });

interface World {
  client: FakeTelegramClient;
  reader: TelegramMtprotoReader;
  slept: number[];
  made: number;
}

function world(channels: Record<string, FakeChannel>, options: MtprotoReaderOptions = {}, session: TelegramSession | null = SESSION): World {
  const client = new FakeTelegramClient(channels);
  const w: World = { client, slept: [], made: 0, reader: undefined as never };
  w.reader = new TelegramMtprotoReader(
    { load: async () => session ?? undefined },
    () => {
      w.made++;
      return client;
    },
    { sleep: async (ms) => void w.slept.push(ms), ...options },
  );
  return w;
}

/** `count` text posts, one a minute, ids 1..count; the newest at T0. */
function history(count: number): Api.Message[] {
  return Array.from({ length: count }, (_, i) => channelMessage({ id: i + 1, date: T0 - (count - 1 - i) * 60, text: `post ${i + 1}` }));
}

async function readAll(reader: TelegramMtprotoReader, channel: string, request: ReadRequest): Promise<ChannelPost[][]> {
  const pages: ChannelPost[][] = [];
  for await (const page of reader.read(channel, request)) pages.push(page);
  return pages;
}

async function failure(run: () => Promise<unknown>): Promise<TelecastError> {
  try {
    await run();
  } catch (error) {
    expect(error).to.be.instanceOf(TelecastError);
    return error as TelecastError;
  }
  throw new Error('expected a failure');
}

const news = (messages: FakeChannel['messages'], files?: FakeChannel['files']): Record<string, FakeChannel> => ({
  examplenews: { entity: channelEntity('examplenews', { title: 'Example News' }), messages, ...(files ? { files } : {}) },
});

describe('TelegramMtprotoReader', () => {
  describe('incremental reading', () => {
    it('asks for pages of 100 after the last id taken, each below the oldest id of the page before', async () => {
      const w = world(news(history(250)));
      await readAll(w.reader, '@ExampleNews', { window: window(0, T0), afterId: 20 });
      const asked = w.client.calls.getMessages;
      expect(asked.map((p) => [p.limit, p.minId, p.offsetId ?? 0])).to.deep.equal([
        [100, 20, 0],
        [100, 20, 151],
        [100, 20, 51],
      ]);
      expect(asked[0]?.offsetDate).to.equal(T0 + 1);
    });

    it('yields every post after the last id taken exactly once, newest first', async () => {
      const w = world(news(history(250)));
      const ids = (await readAll(w.reader, 'examplenews', { window: window(0, T0), afterId: 20 })).flat().map((p) => p.id);
      expect(ids).to.deep.equal(Array.from({ length: 230 }, (_, i) => 250 - i));
    });

    it('stops asking once a page reaches back past the window start', async () => {
      const w = world(news(history(300)));
      const posts = (await readAll(w.reader, 'examplenews', { window: window(T0 - 30 * 60, T0) })).flat();
      expect(w.client.calls.getMessages).to.have.length(1);
      expect(posts.map((p) => p.id)).to.deep.equal(Array.from({ length: 30 }, (_, i) => 300 - i));
    });

    it('leaves out posts after the window end', async () => {
      const w = world(news(history(10)));
      const posts = (await readAll(w.reader, 'examplenews', { window: window(0, T0 - 3 * 60) })).flat();
      expect(posts[0]?.id).to.equal(7);
    });

    it('reads posts as Telegram dates them: unix seconds to ISO UTC, views kept, service messages left out', async () => {
      const w = world(news([serviceMessage(1, T0 - 120), channelMessage({ id: 2, date: T0, text: 'Rates held', views: 1543 })]));
      const [post, ...rest] = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      expect(rest).to.have.length(0);
      expect(post).to.deep.include({ channel: 'examplenews', id: 2, date: new Date(T0 * 1000).toISOString(), text: 'Rates held', views: 1543 });
    });
  });

  describe('what a post holds', () => {
    it('merges an album (one groupedId) into one post with every photo, its caption, and the highest id', async () => {
      const album = [11, 12, 13].map((id) => channelMessage({ id, date: T0, groupedId: 777, media: photoMedia(id), ...(id === 11 ? { text: 'Launch day in pictures' } : {}) }));
      const w = world(news([channelMessage({ id: 10, date: T0 - 60, text: 'before' }), ...album]));
      const posts = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      expect(posts.map((p) => p.id)).to.deep.equal([13, 10]);
      expect(posts[0]?.text).to.equal('Launch day in pictures');
      expect(posts[0]?.media).to.deep.equal([11, 12, 13].map((id) => ({ type: 'photo', file: `${id}.jpg` })));
    });

    it('keeps an album whole when a page boundary falls inside it', async () => {
      const album = [4, 5, 6].map((id) => channelMessage({ id, date: T0 - 60, groupedId: 888, media: photoMedia(id), ...(id === 4 ? { text: 'caption' } : {}) }));
      const w = world(news([...history(3), ...album, channelMessage({ id: 7, date: T0, text: 'newest' })]), { pageSize: 2 });
      const posts = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      const merged = posts.find((p) => p.media.length);
      expect(merged?.media.map((m) => m.file)).to.deep.equal(['4.jpg', '5.jpg', '6.jpg']);
      expect(posts.filter((p) => p.media.length)).to.have.length(1);
    });

    it('names a forward by its origin channel: title, username and the original post id', async () => {
      const reuters = channelEntity('Reuters', { id: 2002, title: 'Reuters' });
      const w = world(news([channelMessage({ id: 1, date: T0, text: 'Breaking', forwardedFrom: { channel: reuters, post: 98765 } })]));
      const [post] = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      expect(post?.forwarded_from).to.deep.equal({ name: 'Reuters', channel: 'reuters', id: 98765 });
    });

    it('names a forward from a hidden account by the name Telegram shows', async () => {
      const w = world(news([channelMessage({ id: 1, date: T0, text: 'quote', forwardedFrom: { hiddenName: 'Jane Roe' } })]));
      const [post] = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      expect(post?.forwarded_from).to.deep.equal({ name: 'Jane Roe' });
    });

    it('leaves spoilers out of the text, counting offsets in UTF-16 units past a custom emoji', async () => {
      const text = '🚀 Result: the winner is Alice. Congrats!';
      const spoiler = { offset: text.indexOf('the winner'), length: 'the winner is Alice.'.length };
      const entities = [new Api.MessageEntityCustomEmoji({ offset: 0, length: 2, documentId: helpers.returnBigInt(5368) }), new Api.MessageEntitySpoiler(spoiler)];
      const w = world(news([channelMessage({ id: 1, date: T0, text, entities })]));
      const [post] = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      expect(post?.text).to.equal('🚀 Result: Congrats!');
    });

    it('takes links from Url entities (a bare domain given https://) and TextUrl targets, not from inside a spoiler', async () => {
      const text = '📈 Full report: example.com/q3 and the slides. Leak: https://leak.example.net';
      const at = (s: string): { offset: number; length: number } => ({ offset: text.indexOf(s), length: s.length });
      const entities = [
        new Api.MessageEntityUrl(at('example.com/q3')),
        new Api.MessageEntityTextUrl({ ...at('the slides'), url: 'https://slides.example.org/deck' }),
        new Api.MessageEntitySpoiler(at('https://leak.example.net')),
        new Api.MessageEntityUrl(at('https://leak.example.net')),
      ];
      const w = world(news([channelMessage({ id: 1, date: T0, text, entities })]));
      const [post] = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      expect(post?.links).to.deep.equal(['https://example.com/q3', 'https://slides.example.org/deck']);
      expect(post?.text).to.equal('📈 Full report: example.com/q3 and the slides. Leak:');
    });

    it('reads a poll as text: its question and answers', async () => {
      const w = world(news([channelMessage({ id: 1, date: T0, media: pollMedia('Which chip wins?', ['M5', 'X Elite']) })]));
      const [post] = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      expect(post?.text).to.equal('Poll: Which chip wins?\n- M5\n- X Elite');
      expect(post?.media).to.deep.equal([]);
    });

    it('types documents by their attributes: video, voice, sticker, plain file', async () => {
      const w = world(
        news([
          channelMessage({ id: 1, date: T0, media: documentMedia(1, 'video/mp4', 9_000_000, [new Api.DocumentAttributeVideo({ duration: 12, w: 1280, h: 720 })]) }),
          channelMessage({ id: 2, date: T0, media: documentMedia(2, 'audio/ogg', 40_000, [new Api.DocumentAttributeAudio({ duration: 7, voice: true })]) }),
          channelMessage({ id: 3, date: T0, media: documentMedia(3, 'image/webp', 30_000, [new Api.DocumentAttributeSticker({ alt: '👍', stickerset: new Api.InputStickerSetEmpty() })]) }),
          channelMessage({ id: 4, date: T0, media: documentMedia(4, 'application/pdf', 500_000, [new Api.DocumentAttributeFilename({ fileName: 'Q3 report.PDF' })]) }),
        ]),
      );
      const posts = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      expect(posts.map((p) => p.media[0])).to.deep.equal([
        { type: 'document', file: '4.pdf' },
        { type: 'sticker', file: '3.webp' },
        { type: 'voice', file: '2.ogg' },
        { type: 'video', file: '1.mp4' },
      ]);
    });
  });

  describe('flood waits', () => {
    it('sleeps through a flood wait within the bound and goes on', async () => {
      const w = world(news(history(3)), { maxFloodSleepSeconds: 60 });
      w.client.failures.getMessages.push(rpcError(420, 'FLOOD_WAIT_12'));
      const posts = (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
      expect(w.slept).to.deep.equal([12_000]);
      expect(posts).to.have.length(3);
    });

    it('defers a longer flood wait as RetryLaterError with its seconds, naming the channel', async () => {
      const w = world(news(history(3)), { maxFloodSleepSeconds: 60 });
      w.client.failures.getMessages.push(rpcError(420, 'FLOOD_WAIT_600'));
      const error = await failure(() => readAll(w.reader, 'examplenews', { window: window(0, T0) }));
      expect(error).to.be.instanceOf(RetryLaterError);
      expect((error as RetryLaterError).seconds).to.equal(600);
      expect(error.message).to.contain('@examplenews');
      expect(w.slept).to.deep.equal([]);
    });
  });

  describe('connection and session failures', () => {
    it('does not take a connect that resolved while offline for success: a transient "cannot reach Telegram"', async () => {
      const w = world(news(history(3)));
      w.client.offline = true;
      const error = await failure(() => readAll(w.reader, 'examplenews', { window: window(0, T0) }));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(error.message).to.match(/^cannot reach Telegram to read @examplenews/);
      expect(isRetryable(error)).to.equal(true);
      expect(w.client.calls.getEntity).to.deep.equal([]);
    });

    it('fails transiently, naming the channel, when the connection drops mid-read, after the pages it read', async () => {
      const w = world(news(history(250)));
      w.client.failures.getMessages.push(undefined, new Error('Cannot send requests while disconnected. Please reconnect.'));
      const pages: ChannelPost[][] = [];
      const error = await failure(async () => {
        for await (const page of w.reader.read('examplenews', { window: window(0, T0) })) pages.push(page);
      });
      expect(pages).to.have.length(1);
      expect(error).to.be.instanceOf(DownstreamError);
      expect(error.message).to.contain('@examplenews');
      expect(isRetryable(error)).to.equal(true);
    });

    it('reconnects on the next read after a dropped connection', async () => {
      const w = world(news(history(3)));
      w.client.failures.getMessages.push(new Error('Cannot send requests while disconnected. Please reconnect.'));
      await failure(() => readAll(w.reader, 'examplenews', { window: window(0, T0) }));
      expect((await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat()).to.have.length(3);
      expect(w.made).to.equal(2);
    });

    for (const rpc of ['AUTH_KEY_UNREGISTERED', 'SESSION_REVOKED', 'USER_DEACTIVATED']) {
      it(`asks for a new login when Telegram answers ${rpc}: permanent, "login needed:"`, async () => {
        const w = world(news(history(3)));
        w.client.failures.getMe.push(rpcError(401, rpc));
        const error = await failure(() => readAll(w.reader, 'examplenews', { window: window(0, T0) }));
        expect(error).to.be.instanceOf(ValidationError);
        expect(error.message).to.match(/^login needed:/);
        expect(error.message).to.contain('telecast telegram login').and.contain('@examplenews');
        expect(isRetryable(error)).to.equal(false);
      });
    }

    it('explains AUTH_KEY_DUPLICATED as a second collector on the session, transient', async () => {
      const w = world(news(history(3)));
      w.client.failures.getMessages.push(rpcError(406, 'AUTH_KEY_DUPLICATED'));
      const error = await failure(() => readAll(w.reader, 'examplenews', { window: window(0, T0) }));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(error.message).to.contain('second collector');
      expect(isRetryable(error)).to.equal(true);
    });

    it('refuses a private channel permanently, naming it', async () => {
      const w = world(news(history(3)));
      w.client.failures.getMessages.push(rpcError(400, 'CHANNEL_PRIVATE'));
      const error = await failure(() => readAll(w.reader, 'examplenews', { window: window(0, T0) }));
      expect(error.message).to.contain('@examplenews').and.contain('private');
      expect(isRetryable(error)).to.equal(false);
    });

    it('refuses a channel the account was banned from (ChannelForbidden) permanently', async () => {
      const forbidden = new Api.ChannelForbidden({ id: helpers.returnBigInt(3), accessHash: helpers.returnBigInt(1), title: 'Gone', broadcast: true });
      const w = world({ gonechannel: { entity: forbidden, messages: [] } });
      const error = await failure(() => readAll(w.reader, 'gonechannel', { window: window(0, T0) }));
      expect(error.message).to.contain('@gonechannel').and.contain('private');
      expect(isRetryable(error)).to.equal(false);
    });

    it('reports an unknown channel as not found, naming it', async () => {
      const w = world(news(history(3)));
      const error = await failure(() => readAll(w.reader, 'nosuchchannel', { window: window(0, T0) }));
      expect(error).to.be.instanceOf(NotFoundError);
      expect(error.message).to.contain('@nosuchchannel');
    });

    it('refuses a group: its members wrote privately', async () => {
      const w = world({ somegroup: { entity: channelEntity('somegroup', { megagroup: true }), messages: history(3) } });
      const error = await failure(() => readAll(w.reader, 'somegroup', { window: window(0, T0) }));
      expect(error).to.be.instanceOf(ValidationError);
      expect(error.message).to.contain('group');
    });

    it('never puts the session string in an error', async () => {
      const w = world(news(history(3)));
      w.client.failures.getMessages.push(new Error(`socket closed while sending ${SESSION.session}`));
      const error = await failure(() => readAll(w.reader, 'examplenews', { window: window(0, T0) }));
      expect(error.message).not.to.contain(SESSION.session);
    });
  });

  describe('readiness', () => {
    it('says to log in when no session is stored, without making a client', async () => {
      const w = world(news([]), {}, null);
      expect(await w.reader.unreadable('examplenews')).to.equal('no Telegram session: run telecast telegram login');
      expect(w.made).to.equal(0);
    });

    it('is ready when a session is stored, without connecting', async () => {
      const w = world(news([]));
      expect(await w.reader.unreadable('examplenews')).to.equal(undefined);
      expect(w.made).to.equal(0);
    });

    it('fails a read with "login needed:" when no session is stored', async () => {
      const w = world(news(history(1)), {}, null);
      const error = await failure(() => readAll(w.reader, 'examplenews', { window: window(0, T0) }));
      expect(error.message).to.match(/^login needed:/);
    });
  });

  describe('fetchMedia', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const pdf = Buffer.from('%PDF-1.7 …');

    async function postsOf(w: World): Promise<ChannelPost[]> {
      return (await readAll(w.reader, 'examplenews', { window: window(0, T0) })).flat();
    }

    it('downloads an album photo from its own message, as image/jpeg', async () => {
      const album = [21, 22].map((id) => channelMessage({ id, date: T0, groupedId: 5, media: photoMedia(id) }));
      const w = world(news(album, new Map([[22, jpeg]])));
      const [post] = await postsOf(w);
      const fetched = await w.reader.fetchMedia(post as ChannelPost, post?.media[1] as never, 1_000_000);
      expect(Buffer.from(fetched.body)).to.deep.equal(jpeg);
      expect(fetched.contentType).to.equal('image/jpeg');
      expect(w.client.calls.downloadMedia).to.deep.equal([22]);
    });

    it('gives a document the content type Telegram holds for it', async () => {
      const w = world(news([channelMessage({ id: 3, date: T0, media: documentMedia(3, 'application/pdf', pdf.length) })], new Map([[3, pdf]])));
      const [post] = await postsOf(w);
      expect((await w.reader.fetchMedia(post as ChannelPost, post?.media[0] as never, 1_000_000)).contentType).to.equal('application/pdf');
    });

    it('refuses a file over the cap from its stated size, before downloading, naming the post', async () => {
      const w = world(news([channelMessage({ id: 4, date: T0, media: documentMedia(4, 'video/mp4', 50_000_000, [new Api.DocumentAttributeVideo({ duration: 60, w: 1920, h: 1080 })]) })]));
      const [post] = await postsOf(w);
      const error = await failure(() => w.reader.fetchMedia(post as ChannelPost, post?.media[0] as never, 10_000_000));
      expect(error.message).to.contain('post 4 of @examplenews').and.contain('50000000 bytes');
      expect(w.client.calls.downloadMedia).to.deep.equal([]);
    });

    it('refuses a photo whose largest size is over the cap', async () => {
      const w = world(news([channelMessage({ id: 5, date: T0, media: photoMedia(5, 3_000_000) })], new Map([[5, jpeg]])));
      const [post] = await postsOf(w);
      const error = await failure(() => w.reader.fetchMedia(post as ChannelPost, post?.media[0] as never, 1_000_000));
      expect(error.message).to.contain('3000000 bytes');
    });

    it('reports a medium whose message was deleted since, naming the post', async () => {
      const w = world(news([]));
      const post: ChannelPost = { channel: 'examplenews', id: 9, date: new Date(T0 * 1000).toISOString(), text: '', links: [], media: [{ type: 'photo', file: '9.jpg' }] };
      const error = await failure(() => w.reader.fetchMedia(post, post.media[0] as never, 1_000_000));
      expect(error).to.be.instanceOf(NotFoundError);
      expect(error.message).to.contain('post 9 of @examplenews');
    });
  });

  describe('client lifetime', () => {
    it('reuses one connected client for reads and media, and destroys it on close', async () => {
      const w = world(news(history(3)));
      await readAll(w.reader, 'examplenews', { window: window(0, T0) });
      await readAll(w.reader, 'examplenews', { window: window(0, T0) });
      expect(w.made).to.equal(1);
      await w.reader.close();
      expect(w.client.calls.destroy).to.equal(1);
      expect(w.client.connected).to.equal(false);
    });

    it('makes the real client from a stored session with GramJS, without connecting', async () => {
      const client = await gramjsClient({ api_id: 12345, api_hash: SESSION.api_hash, session: '' });
      expect(client.constructor.name).to.equal('TelegramClient');
      expect(client.connected).to.not.equal(true);
      await client.destroy();
    });
  });
});

import { expect } from 'chai';
import { DownstreamError, NotFoundError, RetryLaterError, TelecastError, ValidationError } from '../../src/core/errors.ts';
import type { ChannelPost, ReadRequest } from '../../src/core/ports.ts';
import { DEFAULT_USER_AGENT } from '../../src/adapters/polite-fetch.ts';
import { TelegramWebReader, type TelegramWebReaderOptions } from '../../src/adapters/telegram-web-reader.ts';
import { TelegramWebServer, recordedPage } from '../helpers/telegram-web-server.ts';

/** The recorded channel's posts are an hour apart, 160 at 2026-03-10T18:00Z back to 101. */
const postTime = (id: number) => new Date(Date.UTC(2026, 2, 10, 18) - (160 - id) * 3_600_000);
const WINDOW_END = new Date('2026-03-11T00:00:00Z');
const WHOLE_HISTORY: ReadRequest = { window: { from: new Date('2026-03-01T00:00:00Z'), to: WINDOW_END } };

/** A clock that only moves when the reader sleeps, and the sleeps it asked for. */
function fakeTime() {
  let now = Date.UTC(2026, 2, 11);
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

async function readAll(reader: TelegramWebReader, channel: string, request: ReadRequest): Promise<ChannelPost[][]> {
  const pages: ChannelPost[][] = [];
  for await (const page of reader.read(channel, request)) pages.push(page);
  return pages;
}

async function failure(promise: Promise<unknown>): Promise<TelecastError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TelecastError)) throw new Error(`expected a TelecastError, got ${String(error)}`);
  return error;
}

describe('TelegramWebReader against a local t.me', function () {
  let server: TelegramWebServer;
  let time: ReturnType<typeof fakeTime>;
  const reader = (options: TelegramWebReaderOptions = {}) =>
    new TelegramWebReader({ baseUrl: server.url, sleep: time.sleep, now: time.now, random: () => 0.5, perHostDelayMs: 0, ...options });

  beforeEach(async () => {
    time = fakeTime();
    server = await new TelegramWebServer().withRecordedChannel().start();
  });
  afterEach(() => server.stop());

  describe('paging', () => {
    it('pages back with ?before= until the window start, newest page first, and fetches no older page', async () => {
      const pages = await readAll(reader(), 'telecast_news', { window: { from: postTime(130), to: WINDOW_END } });
      expect(server.requests.map((r) => r.url)).to.deep.equal(['/s/telecast_news', '/s/telecast_news?before=141']);
      expect(pages.map((p) => p.map((post) => post.id))).to.deep.equal([
        [160, 159, 156, 155, 154, 153, 151, 150, 149, 148, 147, 146, 145, 144, 143, 142, 141],
        [140, 139, 138, 137, 136, 135, 134, 133, 132, 131],
      ]);
    });

    it('yields every post of the window exactly once, the post at the window start left to the episode before', async () => {
      const ids = (await readAll(reader(), '@telecast_news', { window: { from: postTime(130), to: postTime(150) } })).flat().map((p) => p.id);
      expect(ids).to.have.lengthOf(new Set(ids).size);
      expect(Math.min(...ids)).to.equal(131);
      expect(Math.max(...ids)).to.equal(150);
    });

    it('reads to the channel\'s first page and stops where the page has no "more" link', async () => {
      const pages = await readAll(reader(), 'telecast_news', WHOLE_HISTORY);
      expect(server.requests.map((r) => r.url)).to.deep.equal(['/s/telecast_news', '/s/telecast_news?before=141', '/s/telecast_news?before=121']);
      expect(pages.at(-1)!.at(-1)!.id).to.equal(102);
    });

    it('reads only posts after the last id taken, and stops paging once it reaches it', async () => {
      const pages = await readAll(reader(), 'telecast_news', { ...WHOLE_HISTORY, afterId: 150 });
      expect(server.requests).to.have.lengthOf(1);
      expect(pages.flat().map((p) => p.id)).to.deep.equal([160, 159, 156, 155, 154, 153, 151]);
    });

    it('ends when a page repeats the cursor it was fetched with, instead of paging forever', async () => {
      server.page('/s/telecast_news?before=141', recordedPage('telecast_news-before-141').replaceAll('before=121', 'before=141').replaceAll('data-before="121"', 'data-before="141"'));
      const pages = await readAll(reader(), 'telecast_news', WHOLE_HISTORY);
      expect(server.requests).to.have.lengthOf(2);
      expect(pages).to.have.lengthOf(2);
    });

    it('ends when a page\'s cursor points to newer posts rather than older ones', async () => {
      server.page('/s/telecast_news?before=141', recordedPage('telecast_news-before-141').replaceAll('before=121', 'before=150').replaceAll('data-before="121"', 'data-before="150"'));
      await readAll(reader(), 'telecast_news', WHOLE_HISTORY);
      expect(server.requests.map((r) => r.url)).to.deep.equal(['/s/telecast_news', '/s/telecast_news?before=141']);
    });
  });

  describe('posts as read from the recorded pages', () => {
    let posts: Map<number, ChannelPost>;
    beforeEach(async () => {
      posts = new Map((await readAll(reader(), 'telecast_news', WHOLE_HISTORY)).flat().map((p) => [p.id, p]));
    });

    it('takes the id from data-post and the date from <time datetime>, in UTC', () => {
      expect(posts.get(160)).to.include({ channel: 'telecast_news', id: 160, date: '2026-03-10T18:00:00.000Z' });
    });

    it('keeps line breaks, decodes entities (&amp;, &nbsp;, numeric) and reads emoji markup as its character', () => {
      expect(posts.get(160)!.text).to.equal('Markets: stocks & bonds up 2%\n\nOil at $81 📈\nRead the full report');
    });

    it('takes links from the anchors\' hrefs, not their words', () => {
      expect(posts.get(160)!.links).to.deep.equal(['https://example.com/markets?id=7&src=tg']);
    });

    it('gives bare-domain links https:// and leaves hashtag and cashtag searches out of the links', () => {
      expect(posts.get(147)!.links).to.deep.equal(['https://t.me/telecast_tips', 'https://weather.example.net/today']);
      expect(posts.get(147)!.text).to.contain('#economy $EUR');
    });

    it('reads a custom emoji as its fallback character and leaves spoilers out of the text', () => {
      const text = posts.get(154)!.text;
      expect(text).to.match(/^🔥 Quiz night final tonight\./);
      expect(text).to.not.contain('blue team');
      expect(text).to.not.contain('3:2');
    });

    it('reads an album as one post with all its photos and videos and its nested caption once', () => {
      const album = posts.get(156)!;
      expect(album.text).to.equal('Harbour festival in three pictures\nSecond line of the caption');
      expect(album.media.map((m) => m.type)).to.deep.equal(['photo', 'photo', 'video']);
      expect(album.media[0]!.url).to.equal('https://cdn4.telesco.pe/file/YWxidW1fcGhvdG9fb25l.jpg');
      expect(posts.has(157) || posts.has(158)).to.equal(false);
    });

    it('takes a forward\'s origin: its name, channel and message id from the link', () => {
      expect(posts.get(159)!.forwarded_from).to.deep.equal({ name: 'Reuters World', channel: 'reuters_world', id: 4521 });
      expect(posts.get(159)!.text).to.equal('Central bank holds rates at 4.5%.');
    });

    it('takes a photo\'s URL from its background-image and a video\'s from <video src>, not the thumbnails', () => {
      expect(posts.get(150)!.media).to.deep.equal([{ type: 'photo', url: 'https://cdn4.telesco.pe/file/cGhvdG9fb2ZfdGhlX2RheQ.jpg' }]);
      expect(posts.get(149)!.media).to.deep.equal([{ type: 'video', url: 'https://cdn4.telesco.pe/file/ZmxlZXRfdmlkZW8.mp4?token=QVZJRFRPS0VOLW5vdC1hLXNlY3JldA' }]);
    });

    it('keeps a video too big for the preview as a video without a URL', () => {
      expect(posts.get(148)!.media).to.deep.equal([{ type: 'video' }]);
      expect(posts.get(148)!.text).to.equal('The whole council meeting, 12 minutes.');
    });

    it('reads views where shown, "1.2K" as 1200', () => {
      expect(posts.get(160)!.views).to.equal(1200);
      expect(posts.get(156)!.views).to.equal(12_000);
      expect(posts.get(153)!.views).to.equal(890);
    });

    it('does not take a "media not supported" notice as text', () => {
      expect(posts.get(153)).to.include({ text: '' });
      expect(posts.get(148)!.text).to.not.contain('too big');
      expect(posts.get(153)!.links).to.deep.equal([]);
    });

    it('does not read a link preview as the post\'s text, but keeps its URL as a link', () => {
      expect(posts.get(155)!.text).to.equal('Our long read on the harbour, in the card below 👇');
      expect(posts.get(155)!.links).to.deep.equal(['https://longreads.example.org/harbour-story']);
      expect(posts.get(155)!.media).to.deep.equal([]);
    });

    it('reads a poll as its question and options', () => {
      expect(posts.get(151)!.text).to.equal('Poll: Which story should we follow up?\n- Night buses\n- River clean-up & recycling');
    });

    it('does not read the quoted message of a reply as the reply\'s text', () => {
      expect(posts.get(140)!.text).to.equal('Update: the budget passed, 31 votes to 20.');
    });

    it('takes no service message (a pin, "Channel created") as a post', () => {
      expect(posts.has(152)).to.equal(false);
      expect(posts.has(101)).to.equal(false);
    });
  });

  describe('errors and retries', () => {
    it('retries a 429, waiting the Retry-After seconds, then reads the page', async () => {
      server.on('/s/telecast_news', { status: 429, headers: { 'retry-after': '7' } }, { headers: { 'content-type': 'text/html' }, body: recordedPage('telecast_news') });
      const pages = await readAll(reader(), 'telecast_news', { ...WHOLE_HISTORY, afterId: 150 });
      expect(server.count('/s/telecast_news')).to.equal(2);
      expect(time.sleeps).to.deep.equal([7000]);
      expect(pages.flat()).to.have.lengthOf(7);
    });

    it('honours a Retry-After given as an HTTP date', async () => {
      const at = new Date(time.now() + 5000).toUTCString();
      server.on('/s/telecast_news', { status: 429, headers: { 'retry-after': at } }, { headers: { 'content-type': 'text/html' }, body: recordedPage('telecast_news') });
      await readAll(reader(), 'telecast_news', { ...WHOLE_HISTORY, afterId: 150 });
      expect(time.sleeps).to.deep.equal([5000]);
    });

    it('retries 503s with exponential backoff and full jitter, then fails with a transient error naming the channel', async () => {
      server.on('/s/telecast_news', { status: 503, body: 'down' });
      const error = await failure(readAll(reader({ maxRetries: 3, baseBackoffMs: 1000 }), 'telecast_news', WHOLE_HISTORY));
      expect(server.count('/s/telecast_news')).to.equal(4);
      // random() is 0.5: half of each doubling ceiling.
      expect(time.sleeps).to.deep.equal([500, 1000, 2000]);
      expect(error).to.be.instanceOf(DownstreamError);
      expect(error.retryable).to.equal(true);
      expect(error.message).to.contain('@telecast_news').and.contain('HTTP 503').and.contain('4 tries');
    });

    it('asks to be retried later, without sleeping, when Retry-After is longer than it waits', async () => {
      server.on('/s/telecast_news', { status: 429, headers: { 'retry-after': '3600' } });
      const error = await failure(readAll(reader(), 'telecast_news', WHOLE_HISTORY));
      expect(error).to.be.instanceOf(RetryLaterError);
      expect((error as RetryLaterError).seconds).to.equal(3600);
      expect(time.sleeps).to.deep.equal([]);
    });

    it('fails at once, permanently, on another 4xx', async () => {
      server.on('/s/telecast_news', { status: 403, body: 'forbidden' });
      const error = await failure(readAll(reader(), 'telecast_news', WHOLE_HISTORY));
      expect(server.requests).to.have.lengthOf(1);
      expect(error.retryable).to.equal(false);
      expect(error.message).to.contain('@telecast_news').and.contain('HTTP 403');
    });

    it('reports a channel that t.me redirects from /s/<name> to /<name> as having no public web preview', async () => {
      server.on('/s/telecast_private', { status: 302, headers: { location: '/telecast_private' } }).page('/telecast_private', recordedPage('no-preview'));
      const error = await failure(readAll(reader(), 'telecast_private', WHOLE_HISTORY));
      expect(error).to.be.instanceOf(ValidationError);
      expect(error.message).to.match(/^@telecast_private has no public web preview \(/);
      expect(server.count('/telecast_private')).to.equal(0);
    });

    it('reports a page without the channel\'s messages widget as having no public web preview', async () => {
      server.page('/s/telecast_private', recordedPage('no-preview'));
      const error = await failure(readAll(reader(), 'telecast_private', WHOLE_HISTORY));
      expect(error).to.be.instanceOf(ValidationError);
      expect(error.message).to.contain('@telecast_private has no public web preview');
    });

    it('reports a captive portal\'s page as not Telegram\'s, a transient error', async () => {
      server.page('/s/telecast_news', recordedPage('captive-portal'));
      const error = await failure(readAll(reader(), 'telecast_news', WHOLE_HISTORY));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(error.retryable).to.equal(true);
      expect(error.message).to.contain('@telecast_news').and.contain("not Telegram's");
    });

    it('reports a redirect to another host (a portal\'s login) as not Telegram\'s, a transient error', async () => {
      server.on('/s/telecast_news', { status: 302, headers: { location: 'http://portal.invalid/login' } });
      const error = await failure(readAll(reader(), 'telecast_news', WHOLE_HISTORY));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(error.retryable).to.equal(true);
      expect(error.message).to.contain('portal.invalid');
    });

    it('refuses a gigantic page, naming its size', async () => {
      server.on('/s/telecast_news', { headers: { 'content-type': 'text/html' }, body: 'x'.repeat(5_000_000) });
      const error = await failure(readAll(reader(), 'telecast_news', WHOLE_HISTORY));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(error.message).to.contain('@telecast_news').and.contain('5.0 MB').and.contain('3.0 MB cap');
    });

    it('refuses a gigantic page sent without a length once it has counted past the cap', async () => {
      server.on('/s/telecast_news', { headers: { 'content-type': 'text/html' }, body: 'x'.repeat(5_000_000), chunked: 64 * 1024 });
      const error = await failure(readAll(reader({ maxPageBytes: 1_000_000 }), 'telecast_news', WHOLE_HISTORY));
      expect(error.message).to.contain('over 1.0 MB');
    });

    it('reports a truncated page as cut short, a transient error', async () => {
      const page = recordedPage('telecast_news');
      server.page('/s/telecast_news', page.slice(0, Math.floor(page.length / 2)));
      const error = await failure(readAll(reader(), 'telecast_news', WHOLE_HISTORY));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(error.retryable).to.equal(true);
      expect(error.message).to.contain('@telecast_news').and.contain('cut short');
    });

    it('gives up on a server that never answers after the timeout', async () => {
      server.on('/s/telecast_news', { hang: true });
      const error = await failure(readAll(reader({ timeoutMs: 200, maxRetries: 0 }), 'telecast_news', WHOLE_HISTORY));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(error.message).to.contain('no answer within 200 ms');
    });

    it('refuses a name that is not a channel before any request', async () => {
      const error = await failure(readAll(reader(), '../../etc', WHOLE_HISTORY));
      expect(error).to.be.instanceOf(ValidationError);
      expect(server.requests).to.have.lengthOf(0);
    });
  });

  describe('politeness', () => {
    it('names itself with a User-Agent that says Telecast', async () => {
      await readAll(reader(), 'telecast_news', { ...WHOLE_HISTORY, afterId: 150 });
      expect(server.requests[0]!.userAgent).to.equal(DEFAULT_USER_AGENT);
      expect(DEFAULT_USER_AGENT).to.match(/^Telecast\//);
    });

    it('sends the User-Agent it is given', async () => {
      await readAll(reader({ userAgent: 'Telecast/9 (test)' }), 'telecast_news', { ...WHOLE_HISTORY, afterId: 150 });
      expect(server.requests[0]!.userAgent).to.equal('Telecast/9 (test)');
    });

    it('spaces its requests to one host by the per-host delay', async () => {
      const starts: number[] = [];
      const fetchAt: typeof fetch = (input, init) => {
        starts.push(time.now());
        return fetch(input, init);
      };
      await readAll(reader({ perHostDelayMs: 1000, fetch: fetchAt }), 'telecast_news', WHOLE_HISTORY);
      expect(server.requests).to.have.lengthOf(3);
      expect(time.sleeps).to.deep.equal([1000, 1000]);
      expect(starts.map((t) => t - starts[0]!)).to.deep.equal([0, 1000, 2000]);
    });

    it('keeps no more requests in flight than its concurrency', async () => {
      let started = 0;
      const counting: typeof fetch = (input, init) => {
        started++;
        return fetch(input, init);
      };
      const web = reader({ concurrency: 2, fetch: counting });
      for (const n of [1, 2, 3, 4, 5]) server.on(`/media/${n}.jpg`, { headers: { 'content-type': 'image/jpeg' }, body: 'jpeg' });
      const post: ChannelPost = { channel: 'telecast_news', id: 156, date: postTime(156).toISOString(), text: '', links: [], media: [] };
      server.hold();
      const all = Promise.all([1, 2, 3, 4, 5].map((n) => web.fetchMedia(post, { type: 'photo', url: `${server.url}/media/${n}.jpg` }, 1000)));
      await server.whenInFlight(2);
      await new Promise((resolve) => setImmediate(resolve));
      // Two answers are held back: the other three requests wait their turn instead of being sent.
      expect(started).to.equal(2);
      expect(server.requests).to.have.lengthOf(2);
      server.release();
      await server.whenRequests(3);
      expect(started).to.equal(3);
      server.releaseAll();
      expect(await all).to.have.lengthOf(5);
      expect(server.maxInFlight).to.equal(2);
    });
  });

  describe('unreadable', () => {
    it('is undefined for a channel with a preview', async () => {
      expect(await reader().unreadable('telecast_news')).to.equal(undefined);
    });

    it('gives the reason for a channel without a preview, fetched through the same polite fetcher', async () => {
      server.on('/s/telecast_private', { status: 302, headers: { location: `${server.url}/telecast_private` } });
      const reason = await reader({ userAgent: 'Telecast/9 (test)' }).unreadable('telecast_private');
      expect(reason).to.match(/^@telecast_private has no public web preview/);
      expect(server.requests[0]!.userAgent).to.equal('Telecast/9 (test)');
    });

    it('keeps its answer for a while: asking again does not fetch the page again', async () => {
      server.on('/s/telecast_private', { status: 302, headers: { location: `${server.url}/telecast_private` } });
      const once = reader();
      const first = await once.unreadable('telecast_private');
      expect(await once.unreadable('@telecast_private')).to.equal(first);
      expect(server.count('/s/telecast_private')).to.equal(1);
    });

    it('is undefined when the failure may pass (503s, a captive portal): the read reports it', async () => {
      server.on('/s/telecast_news', { status: 503 });
      expect(await reader({ maxRetries: 3 }).unreadable('telecast_news')).to.equal(undefined);
      expect(server.count('/s/telecast_news'), 'a readiness check tries once: an operator waits on it').to.equal(1);
      server.page('/s/telecast_news', recordedPage('captive-portal'));
      expect(await reader().unreadable('telecast_news')).to.equal(undefined);
    });
  });

  describe('fetchMedia', () => {
    const post: ChannelPost = { channel: 'telecast_news', id: 150, date: postTime(150).toISOString(), text: '', links: [], media: [] };
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);

    it('downloads the file with its content type', async () => {
      server.on('/file/photo.jpg', { headers: { 'content-type': 'image/jpeg' }, body: jpeg });
      const media = await reader().fetchMedia(post, { type: 'photo', url: `${server.url}/file/photo.jpg` }, 1000);
      expect(media.contentType).to.equal('image/jpeg');
      expect([...media.body]).to.deep.equal([...jpeg]);
    });

    it('refuses a file whose Content-Length is over the cap, naming the post and the URL, permanently', async () => {
      server.on('/file/big.jpg', { headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(5000) });
      const error = await failure(reader().fetchMedia(post, { type: 'photo', url: `${server.url}/file/big.jpg` }, 1000));
      expect(error.retryable).to.equal(false);
      expect(error.message).to.contain('message 150 of @telecast_news').and.contain(`${server.url}/file/big.jpg`);
    });

    it('refuses a file sent without a length once it has counted past the cap', async () => {
      server.on('/file/big.mp4', { headers: { 'content-type': 'video/mp4' }, body: new Uint8Array(200_000), chunked: 16_384 });
      const error = await failure(reader().fetchMedia(post, { type: 'video', url: `${server.url}/file/big.mp4` }, 50_000));
      expect(error.retryable).to.equal(false);
      expect(error.message).to.contain('over').and.contain('cap');
    });

    it('refuses a photo served as something other than an image', async () => {
      server.on('/file/photo.jpg', { headers: { 'content-type': 'text/html' }, body: '<html>login</html>' });
      const error = await failure(reader().fetchMedia(post, { type: 'photo', url: `${server.url}/file/photo.jpg` }, 1000));
      expect(error).to.be.instanceOf(ValidationError);
      expect(error.message).to.contain('message 150 of @telecast_news').and.contain('text/html');
    });

    it('refuses a video served as an image', async () => {
      server.on('/file/clip.mp4', { headers: { 'content-type': 'image/jpeg' }, body: jpeg });
      const error = await failure(reader().fetchMedia(post, { type: 'video', url: `${server.url}/file/clip.mp4` }, 1000));
      expect(error).to.be.instanceOf(ValidationError);
    });

    it('reports a medium the preview gives no URL for as not found', async () => {
      const error = await failure(reader().fetchMedia(post, { type: 'video' }, 1000));
      expect(error).to.be.instanceOf(NotFoundError);
      expect(error.message).to.contain('message 150 of @telecast_news');
    });
  });
});

// End to end on the whole local stack with a live channel: one podcast reads a channel's public web preview (recorded
// t.me/s pages served on loopback, as TELEGRAM_WEB_URL) and another channel's uploaded export in the same episode.
// The built bundles, the real SDK and the emulators; the operator drives it through the CLI.
import { expect } from 'chai';
import type { ChannelStats } from '../../src/core/contracts.ts';
import type { Episode } from '../../src/core/episodes/status.ts';
import type { ScheduleReport } from '../../src/core/episodes/schedule.ts';
import type { EpisodeContent } from '../../src/core/ports.ts';
import { SAMPLE_CHANNEL, getObjectBytes, getObjectText, keyOf, sampleExport, showLogsOnFailure, telecast, telecastJson, tempDir, waitForEpisode } from '../helpers/e2e.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';
import { TelegramWebServer, recordedPage } from '../helpers/telegram-web-server.ts';

const PAGES = ['telecast_news', 'telecast_news-before-141', 'telecast_news-before-121'] as const;
/** The recorded photo of post 150 (a JPEG's first bytes are enough for a content-type check and a stored copy). */
const PHOTO_PATH = '/file/cGhvdG9fb2ZfdGhlX2RheQ.jpg';
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);

/**
 * The recorded pages with every post moved so the newest is `newest` (the pages are a channel's March 2026; a window
 * must hold them today), and the CDN's photo URLs pointed at the local server.
 */
function livePages(server: TelegramWebServer, newest: Date): Record<string, string> {
  const pages = Object.fromEntries(PAGES.map((name) => [name, recordedPage(name)]));
  const dates = Object.values(pages).flatMap((html) => [...html.matchAll(/datetime="([^"]+)"/g)].map((m) => Date.parse(m[1]!)));
  const shift = newest.getTime() - Math.max(...dates);
  const moved = (html: string) =>
    html
      .replace(/datetime="([^"]+)"/g, (_, d: string) => `datetime="${new Date(Date.parse(d) + shift).toISOString().replace('.000Z', '+00:00')}"`)
      .split('https://cdn4.telesco.pe').join(server.url);
  return Object.fromEntries(Object.entries(pages).map(([name, html]) => [name, moved(html)]));
}

describe('e2e: a web-preview channel and an export channel in one episode', function () {
  this.timeout(180_000);
  const web = new TelegramWebServer();
  const files = tempDir();
  let stack: TestStack;
  let episode: Episode;
  let content: EpisodeContent;

  before(async () => {
    await web.start();
    const pages = livePages(web, new Date(Date.now() - 10 * 60_000));
    web
      .page('/s/telecast_news', pages.telecast_news!)
      .page('/s/telecast_news?before=141', pages['telecast_news-before-141']!)
      .page('/s/telecast_news?before=121', pages['telecast_news-before-121']!)
      .on(PHOTO_PATH, { headers: { 'content-type': 'image/jpeg' }, body: JPEG })
      // A channel without a preview: t.me sends /s/<name> on to the channel's page.
      .on('/s/gone_channel', { status: 302, headers: { location: '/gone_channel' } })
      .page('/gone_channel', recordedPage('no-preview'));
    // Reading the preview politely takes seconds (a second between requests to one host): more than the tests' usual 2 s.
    stack = await startTestStack({ telegramWebUrl: web.url, visibilityTimeoutSeconds: { collection: 30, processing: 90 } });
  });
  after(async () => {
    await stack?.stop();
    await web.stop();
    files.remove();
  });
  showLogsOnFailure(() => stack);

  it('collects both channels into one episode that completes, reading the preview back across its pages to the window start', async () => {
    const podcast = {
      podcast_id: 'two-sources',
      name: 'Two Sources',
      telegram_channels: ['@telecast_news', SAMPLE_CHANNEL],
      channel_sources: { telecast_news: 'web' },
      window_hours: 21,
      min_post_length: 20,
    };
    const put = await telecast(stack, ['podcast', 'put', files.write('podcast.json', podcast)]);
    expect(put.code, put.stderr).to.equal(0);
    expect(put.stderr, 'the export is not uploaded yet: put says so').to.include(`${SAMPLE_CHANNEL} cannot be read`);
    await telecastJson(stack, ['channel', 'import', SAMPLE_CHANNEL, files.write('export.json', sampleExport(new Date(Date.now() - 20 * 60_000), [1, 3, 4, 6, 8]))]);

    const created = await telecastJson<Episode>(stack, ['episode', 'generate', 'two-sources']);
    episode = await waitForEpisode(stack, keyOf(created), undefined, 170_000);
    expect(episode.status, episode.error ?? episode.skip_reason).to.equal('completed');
    content = JSON.parse(await getObjectText(stack, `${episode.s3_path}content.json`)) as EpisodeContent;
    expect(new Set(content.posts.map((p) => p.channel))).to.deep.equal(new Set(['telecast_news', 'telecast_sample']));
    // The newest page, then the one before it (the window starts inside it); never the third.
    expect(web.count('/s/telecast_news')).to.be.greaterThan(0);
    expect(web.count('/s/telecast_news?before=141')).to.be.greaterThan(0);
    expect(web.count('/s/telecast_news?before=121')).to.equal(0);
  });

  it('records per channel where it was read from, what was kept and dropped, and stores the preview photo it could fetch', async () => {
    const stats = content.channel_stats ?? [];
    const byChannel = Object.fromEntries(stats.map((s) => [s.channel, s])) as Record<string, ChannelStats>;
    expect(byChannel.telecast_news).to.include({ source: 'web' });
    expect(byChannel.telecast_sample).to.include({ source: 'export' });
    for (const s of stats) {
      const dropped = Object.values(s.dropped).reduce((n, k) => n + k, 0);
      expect(s.read, `@${s.channel}: read = kept + dropped`).to.equal(s.kept + dropped);
      expect(s.kept).to.equal(content.posts.filter((p) => p.channel === s.channel).length);
    }
    expect(byChannel.telecast_news!.media_stored).to.equal(1);
    const photo = content.posts.flatMap((p) => p.media).find((m) => m.key);
    expect(photo).to.include({ content_type: 'image/jpeg', bytes: JPEG.byteLength });
    expect(Buffer.from(await getObjectBytes(stack, photo!.key!))).to.deep.equal(Buffer.from(JPEG));
    expect(episode.result?.channel_stats).to.deep.equal(stats);
  });

  it('takes nothing twice: the next episode finds no new post in either channel and says what it read', async () => {
    const next = await telecastJson<Episode>(stack, ['episode', 'generate', 'two-sources']);
    const done = await waitForEpisode(stack, keyOf(next));
    expect(done.status).to.equal('skipped');
    expect(done.skip_reason).to.include('no new posts in @telecast_news, @telecast_sample');
  });

  it('does not start a due podcast whose channel has no web preview, and says why', async () => {
    const put = await telecast(stack, ['podcast', 'put', files.write('gone.json', { podcast_id: 'gone-show', name: 'Gone', telegram_channels: ['@gone_channel'] })]);
    expect(put.code).to.equal(0);
    expect(put.stderr).to.include('@gone_channel cannot be read from its web preview');
    const report = (await stack.invoke('scheduler', { trigger: 'schedule' })) as ScheduleReport;
    expect(report.triggered.map((t) => t.podcast_id)).to.not.include('gone-show');
    expect(report.unreadable.map((u) => u.podcast_id)).to.deep.equal(['gone-show']);
    expect(report.unreadable[0]?.channels[0]?.reason).to.include('no public web preview');
  });
});

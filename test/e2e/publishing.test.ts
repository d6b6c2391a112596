// End to end on the local stack: a podcast that publishes automatically completes an episode, and its feed, audio,
// transcripts and chapters are read over HTTP from the stack's public server (the local CloudFront) as a podcast app
// would: the feed parsed with podcast-partytime, the enclosure's length equal to the object's size, byte ranges, the
// chapters' times matching the audio's cues; private files stay unreachable; withdrawing and publishing again through
// the CLI keep the feed's guid.
import { expect } from 'chai';
import { parseFeed, type FeedObject } from 'podcast-partytime';
import type { Episode } from '../../src/core/episodes/status.ts';
import { SAMPLE_CHANNEL, getObjectBytes, headObject, keyOf, repositories, sampleExport, samplePodcast, showLogsOnFailure, telecast, telecastJson, tempDir, waitForEpisode } from '../helpers/e2e.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';

const PODCAST = 'tech-pulse';

describe('e2e: publishing a podcast feed on the local stack', function () {
  this.timeout(120_000);
  let stack: TestStack;
  const files = tempDir();
  let episode: Episode;
  let feed: FeedObject;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.publicUrl}/${path}`, { headers });

  before(async () => {
    stack = await startTestStack({ visibilityTimeoutSeconds: { processing: 90 } });
    const podcast = {
      ...samplePodcast({ podcast_id: PODCAST }),
      name: 'Tech & <Pulse> — טכנולוגיה',
      publishing: {
        mode: 'auto',
        description: 'The week in tech & science, from <Telegram> channels.',
        artwork_url: 'https://example.org/artwork.jpg',
        category: 'Technology',
        author: 'Telecast',
        owner_email: 'podcasts@example.org',
      },
    };
    const put = await telecast(stack, ['podcast', 'put', files.write('podcast.json', podcast)]);
    expect(put.code, put.stderr).to.equal(0);
    expect(put.stderr).to.not.include('not publishable');
    await telecastJson(stack, ['channel', 'import', SAMPLE_CHANNEL, files.write('sample.json', sampleExport(new Date(Date.now() - 10 * 60_000)))]);
    const created = await telecastJson<Episode>(stack, ['episode', 'generate', PODCAST]);
    // Published in the same delivery that completed it, just after the completion is recorded.
    episode = await waitForEpisode(stack, keyOf(created), (e) => e.status === 'failed' || Boolean(e.publication), 90_000);
    // The feed is rebuilt just after the publication is recorded: wait until it is served.
    const response = await stack.waitUntil(async () => {
      const answer = await get(`${PODCAST}/feed.xml`);
      return answer.status === 200 ? answer : undefined;
    }, 10_000, 'the feed served');
    expect(response.headers.get('content-type')).to.match(/^application\/rss\+xml/);
    feed = parseFeed(await response.text())!;
  });
  after(async () => {
    await stack?.stop();
    files.remove();
  });
  showLogsOnFailure(() => stack);

  it('warns at podcast put of what a directory needs and stores the podcast all the same', async () => {
    const bare = await telecast(stack, ['podcast', 'put', files.write('bare.json', { ...samplePodcast({ podcast_id: 'bare-show' }), publishing: { mode: 'auto' } })]);
    expect(bare.code).to.equal(0);
    expect(bare.stderr).to.include('not publishable yet').and.include('publishing.artwork_url').and.include('publishing.owner_email');
    expect(await repositories(stack).podcasts.get('bare-show')).to.have.nested.property('publishing.mode', 'auto');
  });

  it('publishes the completed episode automatically into a feed a Podcasting 2.0 parser reads, names escaped', () => {
    expect(episode.status).to.equal('completed');
    expect(feed).to.include({ title: 'Tech & <Pulse> — טכנולוגיה', description: 'The week in tech & science, from <Telegram> channels.', language: 'en' });
    expect(feed.items).to.have.length(1);
    expect(feed.items[0]!.guid).to.equal(episode.publication!.guid);
    expect(feed.items[0]!.duration).to.equal(Math.round(episode.duration_seconds!));
  });

  it('serves the enclosure with exactly the length the feed states, and answers byte ranges', async () => {
    const [item] = feed.items;
    const object = await headObject(stack, `public/${PODCAST}/episodes/${episode.episode_id}/episode.mp3`);
    expect(item!.enclosure.length).to.equal(object!.ContentLength).and.equal((await headObject(stack, episode.audio_key!))!.ContentLength);
    const whole = await fetch(item!.enclosure.url);
    expect(whole.status).to.equal(200);
    expect(whole.headers.get('content-type')).to.equal('audio/mpeg');
    const bytes = new Uint8Array(await whole.arrayBuffer());
    expect(bytes.length).to.equal(item!.enclosure.length);
    const ranged = await fetch(item!.enclosure.url, { headers: { Range: 'bytes=1000-2023' } });
    expect(ranged.status).to.equal(206);
    expect(ranged.headers.get('content-range')).to.equal(`bytes 1000-2023/${bytes.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(Buffer.from(bytes.subarray(1000, 2024)))).to.equal(true);
    expect((await fetch(item!.enclosure.url, { headers: { Range: `bytes=${bytes.length}-` } })).status).to.equal(416);
  });

  it('serves the transcripts and chapters the feed links, their times within the audio and on the cues', async () => {
    const [item] = feed.items;
    const urls = item!.podcastTranscripts!.map((t) => t.url);
    const vtt = await (await fetch(urls[0]!)).text();
    expect(vtt.startsWith('WEBVTT')).to.equal(true);
    const cueStarts = [...vtt.matchAll(/^(\d\d):(\d\d):(\d\d)\.(\d{3}) -->/gm)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000);
    const lastEnd = [...vtt.matchAll(/--> (\d\d):(\d\d):(\d\d)\.(\d{3})/g)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000).at(-1)!;
    expect(lastEnd).to.be.at.most(episode.duration_seconds!);
    expect(await (await fetch(urls[1]!)).text()).to.include(': ');
    const chapters = (await (await fetch(item!.podcastChapters!.url)).json()) as { version: string; chapters: Array<{ startTime: number; title: string; url?: string }> };
    expect(chapters.version).to.equal('1.2.0');
    expect(chapters.chapters.length).to.be.at.least(3);
    for (const chapter of chapters.chapters) {
      expect(chapter.title).to.be.a('string').and.not.equal('');
      expect(chapter.startTime).to.be.below(episode.duration_seconds!);
      // Each chapter starts where a turn's cue starts.
      expect(cueStarts.some((start) => Math.abs(start - chapter.startTime) < 0.002), `chapter at ${chapter.startTime}`).to.equal(true);
    }
    expect(chapters.chapters.some((c) => c.url?.startsWith('https://t.me/'))).to.equal(true);
  });

  it('keeps private files private: only what is published is served', async () => {
    for (const path of [`${PODCAST}/episodes/${episode.episode_id}/content.json`, `../podcasts/${PODCAST}/${episode.episode_id}/episode.mp3`, `podcasts/${PODCAST}/feed.json`]) {
      expect((await get(path)).status, path).to.equal(404);
    }
  });

  it('withdraws the episode (out of the feed, its audio gone) and publishes it again, the feed guid unchanged', async () => {
    const withdrawn = await telecast(stack, ['episode', 'withdraw', PODCAST, episode.episode_id]);
    expect(withdrawn.code, withdrawn.stderr).to.equal(0);
    const empty = parseFeed(await (await get(`${PODCAST}/feed.xml`)).text());
    // The parser reads a feed without items as no feed; the XML still has the channel and its guid.
    const emptyXml = await (await get(`${PODCAST}/feed.xml`)).text();
    expect(empty?.items ?? []).to.deep.equal([]);
    expect(emptyXml).to.include(`<podcast:guid>${feed.guid}</podcast:guid>`).and.not.include('<item>');
    expect((await fetch(feed.items[0]!.enclosure.url)).status).to.equal(404);
    expect((await getObjectBytes(stack, episode.audio_key!)).length).to.be.above(0);

    const again = await telecastJson<Episode>(stack, ['episode', 'publish', PODCAST, episode.episode_id]);
    expect(again.publication!.guid).to.equal(episode.publication!.guid);
    const back = parseFeed(await (await get(`${PODCAST}/feed.xml`)).text())!;
    expect(back.guid).to.equal(feed.guid);
    expect(back.items.map((i) => i.guid)).to.deep.equal([episode.publication!.guid]);
  });
});

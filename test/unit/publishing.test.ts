// Publishing over in-memory ports: the feed a completed episode's publication produces, read back with
// podcast-partytime (a feed parser that knows Podcasting 2.0), the tags Apple requires, escaping, withdrawal and the
// guid that never changes; and every refusal, which changes nothing.
import { expect } from 'chai';
import { parseFeed } from 'podcast-partytime';
import { itunesCategoriesSourceOfTruth } from 'podcast-partytime/dist/parser/itunes-categories.js';
import { parsePodcastConfig, type PodcastConfig } from '../../src/core/contracts.ts';
import type { Episode } from '../../src/core/episodes/status.ts';
import { ConflictError, ValidationError } from '../../src/core/errors.ts';
import { episodeKey, feedKey, feedStateKey, PUBLIC_PREFIX } from '../../src/core/keys.ts';
import { APPLE_CATEGORIES } from '../../src/core/publishing/apple-categories.ts';
import { feedGuid, publishingMissing } from '../../src/core/publishing/feed.ts';
import { publishEpisode, publishIfAutomatic, regenerateFeed, withdrawEpisode, type PublisherDeps } from '../../src/core/publishing/publish.ts';
import { episode as episodeOf, podcastConfig } from '../helpers/factories.ts';
import { ManualClock, MemoryEpisodes, MemoryObjects, MemoryPodcasts } from '../helpers/memory-ports.ts';

const BASE = 'https://d111111abcdef8.cloudfront.net';
const PUBLISHING: PodcastConfig['publishing'] = {
  mode: 'manual',
  description: 'News & views <from> the channels',
  artwork_url: 'https://example.org/art.jpg',
  category: 'News',
  subcategory: 'Tech News',
  explicit: false,
  author: 'Telecast & friends',
  owner_email: 'owner@example.org',
};

function world(publishing: Partial<PodcastConfig['publishing']> = {}) {
  const deps = {
    podcasts: new MemoryPodcasts(),
    episodes: new MemoryEpisodes(),
    objects: new MemoryObjects(),
    clock: new ManualClock(new Date('2026-12-01T08:00:00.000Z')),
    publicBaseUrl: BASE,
  } satisfies PublisherDeps;
  const podcast = podcastConfig({ name: 'Tech & <Pulse>', publishing: { ...PUBLISHING, ...publishing } });
  void deps.podcasts.put(podcast);
  return { deps, podcast };
}

/** A completed episode with its MP3 (`bytes` long), transcripts, chapters and a script titled `title`. */
async function completed(deps: PublisherDeps & { objects: MemoryObjects; episodes: MemoryEpisodes }, createdAt: Date, title = 'Rockets & <robots>: שלום', bytes = 4321): Promise<Episode> {
  const base = episodeOf({}, createdAt);
  const key = (file: Parameters<typeof episodeKey>[2]) => episodeKey(base.podcast_id, base.episode_id, file);
  await deps.objects.putBytes(key('audio'), new Uint8Array(bytes).fill(7), 'audio/mpeg');
  await deps.objects.putText(key('vtt'), 'WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\n<v Alex>Hello\n', 'text/vtt');
  await deps.objects.putText(key('transcript'), 'Alex: Hello\n', 'text/plain');
  await deps.objects.putText(`${base.s3_path}chapters.json`, JSON.stringify({ version: '1.2.0', chapters: [{ startTime: 0, title: 'Welcome' }] }), 'application/json+chapters');
  await deps.objects.putJson(key('script'), { title, description: 'Two stories: one about rockets, one about robots.', turns: [], speakers: {} });
  const done: Episode = {
    ...base,
    status: 'completed',
    audio_key: key('audio'),
    vtt_key: key('vtt'),
    transcript_key: key('transcript'),
    script_key: key('script'),
    duration_seconds: 612.4,
    completed_at: new Date(createdAt.getTime() + 60_000).toISOString(),
  };
  deps.episodes.seed(done);
  return done;
}

const keyOf = (e: Episode) => ({ podcastId: e.podcast_id, episodeId: e.episode_id });
const publicKeys = (objects: MemoryObjects) => [...objects.objects.keys()].filter((k) => k.startsWith(PUBLIC_PREFIX)).sort();

describe('publishing (in-memory ports)', () => {
  it('publishes a completed episode into a feed that a Podcasting 2.0 parser reads back exactly', async () => {
    const { deps, podcast } = world();
    const e = await completed(deps, new Date('2026-11-30T06:00:00.000Z'));
    const published = await publishEpisode(deps, keyOf(e));

    const xml = await deps.objects.getText(feedKey(podcast.podcast_id));
    const feed = parseFeed(xml)!;
    expect(feed).to.not.equal(null);
    expect(feed).to.include({ title: 'Tech & <Pulse>', description: 'News & views <from> the channels', language: 'en', explicit: false, itunesImage: PUBLISHING.artwork_url });
    expect(feed.author).to.equal('Telecast & friends');
    expect(feed.itunesCategory).to.deep.equal(['News > Tech News']);
    const feedUrl = `${BASE}/${podcast.podcast_id}/feed.xml`;
    expect(feed.guid).to.equal(feedGuid(feedUrl));
    expect(feed.items).to.have.length(1);
    const [item] = feed.items;
    expect(item!.title).to.equal('Rockets & <robots>: שלום');
    expect(item!.description).to.equal('Two stories: one about rockets, one about robots.');
    expect(item!.enclosure).to.deep.equal({ url: `${BASE}/${podcast.podcast_id}/episodes/${e.episode_id}/episode.mp3`, length: 4321, type: 'audio/mpeg' });
    expect(item!.guid).to.equal(published.publication!.guid);
    expect(item!.duration).to.equal(612);
    expect(item!.pubDate?.toISOString()).to.equal('2026-12-01T08:00:00.000Z');
    expect(item!.podcastTranscripts?.map((t) => [t.url, t.type])).to.deep.equal([
      [`${BASE}/${podcast.podcast_id}/episodes/${e.episode_id}/transcript.vtt`, 'text/vtt'],
      [`${BASE}/${podcast.podcast_id}/episodes/${e.episode_id}/transcript.txt`, 'text/plain'],
    ]);
    expect(item!.podcastChapters).to.deep.include({ url: `${BASE}/${podcast.podcast_id}/episodes/${e.episode_id}/chapters.json`, type: 'application/json+chapters' });
    // Copies of exactly the published files, the private ones untouched.
    expect(publicKeys(deps.objects)).to.deep.equal(
      [`public/${podcast.podcast_id}/feed.xml`, ...['chapters.json', 'episode.mp3', 'transcript.txt', 'transcript.vtt'].map((f) => `public/${podcast.podcast_id}/episodes/${e.episode_id}/${f}`)].sort(),
    );
    expect(await deps.objects.exists(e.audio_key!)).to.equal(true);
  });

  it('has every tag Apple requires of a channel and an item, and escapes what must be escaped', async () => {
    const { deps, podcast } = world();
    await publishEpisode(deps, keyOf(await completed(deps, new Date('2026-11-30T06:00:00.000Z'))));
    const xml = await deps.objects.getText(feedKey(podcast.podcast_id));
    for (const required of [
      /<rss version="2.0" [^>]*xmlns:itunes="http:\/\/www.itunes.com\/dtds\/podcast-1.0.dtd"/,
      /<channel>\n<title>Tech &amp; &lt;Pulse&gt;<\/title>/,
      /<description>News &amp; views &lt;from&gt; the channels<\/description>/,
      /<itunes:image href="https:\/\/example.org\/art.jpg"\/>/,
      /<language>en<\/language>/,
      /<itunes:category text="News"><itunes:category text="Tech News"\/><\/itunes:category>/,
      /<itunes:explicit>false<\/itunes:explicit>/,
      /<itunes:owner><itunes:name>Telecast &amp; friends<\/itunes:name><itunes:email>owner@example.org<\/itunes:email><\/itunes:owner>/,
      /<item>\n<title>Rockets &amp; &lt;robots&gt;: שלום<\/title>/,
      /<enclosure url="[^"]+episode.mp3" length="4321" type="audio\/mpeg"\/>/,
      /<guid isPermaLink="false">[0-9a-f-]{36}<\/guid>/,
      /<atom:link href="[^"]+\/feed.xml" rel="self" type="application\/rss\+xml"\/>/,
    ]) {
      expect(xml).to.match(required);
    }
  });

  it('keeps the feed guid and each episode guid across regenerations, republication and a moved feed; newest first', async () => {
    const { deps, podcast } = world();
    const first = await completed(deps, new Date('2026-11-29T06:00:00.000Z'), 'First');
    const second = await completed(deps, new Date('2026-11-30T06:00:00.000Z'), 'Second');
    await publishEpisode(deps, keyOf(first));
    deps.clock.set(new Date('2026-12-01T09:00:00.000Z'));
    await publishEpisode(deps, keyOf(second));
    const before = parseFeed(await deps.objects.getText(feedKey(podcast.podcast_id)))!;
    expect(before.items.map((i) => i.title)).to.deep.equal(['Second', 'First']);

    deps.publicBaseUrl = 'https://podcasts.example.org';
    await regenerateFeed(deps, podcast.podcast_id);
    await publishEpisode(deps, keyOf(first));
    const after = parseFeed(await deps.objects.getText(feedKey(podcast.podcast_id)))!;
    expect(after.guid).to.equal(before.guid);
    expect(after.items.map((i) => i.guid)).to.deep.equal(before.items.map((i) => i.guid));
    expect(after.items[1]!.enclosure.url).to.match(/^https:\/\/podcasts.example.org\//);
    // The first publication time is kept when an episode is published again.
    expect(after.items[1]!.pubDate?.toISOString()).to.equal(before.items[1]!.pubDate?.toISOString());
    expect(await deps.objects.getJson(feedStateKey(podcast.podcast_id))).to.include({ guid: before.guid, feed_url: `https://podcasts.example.org/${podcast.podcast_id}/feed.xml` });
  });

  it('withdraws an episode: out of the feed, its public copies deleted, its own files kept, the record says when', async () => {
    const { deps, podcast } = world();
    const e = await completed(deps, new Date('2026-11-30T06:00:00.000Z'));
    await publishEpisode(deps, keyOf(e));
    const guid = parseFeed(await deps.objects.getText(feedKey(podcast.podcast_id)))!.guid;
    deps.clock.set(new Date('2026-12-01T10:00:00.000Z'));
    const withdrawn = await withdrawEpisode(deps, keyOf(e));
    expect(withdrawn).to.include({ withdrawn_at: '2026-12-01T10:00:00.000Z', status: 'completed' });
    expect(withdrawn.publication).to.equal(undefined);
    const feed = parseFeed(await deps.objects.getText(feedKey(podcast.podcast_id)))!;
    expect(feed.items).to.deep.equal([]);
    expect(feed.guid).to.equal(guid);
    expect(publicKeys(deps.objects)).to.deep.equal([`public/${podcast.podcast_id}/feed.xml`]);
    expect(await deps.objects.exists(e.audio_key!)).to.equal(true);
    expect(await withdrawEpisode(deps, keyOf(e)).catch((x: unknown) => x)).to.be.instanceOf(ConflictError).with.property('message').that.includes('is not published');
  });

  describe('refusals name what is wrong and publish nothing', () => {
    it('a podcast missing what directories require, listing each field', async () => {
      const { deps } = world({ artwork_url: undefined, owner_email: undefined });
      const error = await publishEpisode(deps, keyOf(await completed(deps, new Date('2026-11-30T06:00:00.000Z')))).catch((x: unknown) => x);
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as ValidationError).violations.map((v) => v.split(':')[0])).to.deep.equal(['publishing.artwork_url', 'publishing.owner_email']);
      expect(publicKeys(deps.objects)).to.deep.equal([]);
    });

    it('no PUBLIC_BASE_URL, an episode not completed, and one whose MP3 is empty', async () => {
      const { deps } = world();
      const e = await completed(deps, new Date('2026-11-30T06:00:00.000Z'));
      expect(await publishEpisode({ ...deps, publicBaseUrl: '' }, keyOf(e)).catch((x: unknown) => x)).to.be.instanceOf(ValidationError).with.property('message').that.includes('PUBLIC_BASE_URL');
      const failed = await completed(deps, new Date('2026-11-28T06:00:00.000Z'));
      deps.episodes.seed({ ...failed, status: 'failed', failed_stage: 'generating' });
      expect(await publishEpisode(deps, keyOf(failed)).catch((x: unknown) => x)).to.be.instanceOf(ConflictError).with.property('message').that.includes('is failed');
      const silent = await completed(deps, new Date('2026-11-27T06:00:00.000Z'), 'Silent', 0);
      expect(await publishEpisode(deps, keyOf(silent)).catch((x: unknown) => x)).to.be.instanceOf(ValidationError).with.property('message').that.includes('has no audio');
      expect(publicKeys(deps.objects)).to.deep.equal([]);
    });
  });

  it('publishes automatically only a podcast set to auto that has what directories require', async () => {
    const manual = world();
    const e1 = await completed(manual.deps, new Date('2026-11-30T06:00:00.000Z'));
    expect(await publishIfAutomatic(manual.deps, e1)).to.equal('manual');
    const incomplete = world({ mode: 'auto', author: undefined });
    expect(await publishIfAutomatic(incomplete.deps, await completed(incomplete.deps, new Date('2026-11-30T06:00:00.000Z')))).to.equal('not-publishable');
    const auto = world({ mode: 'auto' });
    const e3 = await completed(auto.deps, new Date('2026-11-30T06:00:00.000Z'));
    expect(await publishIfAutomatic(auto.deps, e3)).to.equal('published');
    expect((await auto.deps.episodes.get(keyOf(e3)))!.publication?.audio_bytes).to.equal(4321);
    expect(publicKeys(manual.deps.objects)).to.deep.equal([]);
  });

  describe('configuration', () => {
    it('says what a podcast lacks for publishing, and accepts one that has it all', () => {
      expect(publishingMissing(podcastConfig()).map((m) => m.split(':')[0])).to.deep.equal([
        'publishing.description',
        'publishing.artwork_url',
        'publishing.category',
        'publishing.author',
        'publishing.owner_email',
      ]);
      expect(publishingMissing(podcastConfig({ publishing: PUBLISHING }))).to.deep.equal([]);
    });

    it('refuses a category or subcategory Apple does not have, naming it; a bad e-mail or artwork URL by field', () => {
      const put = (publishing: object) => () => parsePodcastConfig({ ...podcastConfig(), publishing });
      expect(put({ category: 'Tech' })).to.throw(ValidationError, /category "Tech" is not an Apple Podcasts category/);
      expect(put({ category: 'News', subcategory: 'Gossip' })).to.throw(ValidationError, /subcategory "Gossip" is not a subcategory of News/);
      expect(put({ owner_email: 'not an address' })).to.throw(ValidationError, /publishing\/owner_email/);
      expect(put({ artwork_url: 'http://example.org/a.jpg' })).to.throw(ValidationError, /publishing\/artwork_url/);
      expect(parsePodcastConfig({ ...podcastConfig(), publishing: { category: 'Technology' } }).publishing).to.deep.equal({ mode: 'manual', explicit: false, category: 'Technology' });
    });

    it("lists Apple's categories as podcast-partytime's parser knows them", () => {
      const theirs = Object.fromEntries(itunesCategoriesSourceOfTruth.map((c: { name: string; subCategories: string[] }) => [c.name, [...c.subCategories].sort()]));
      const ours = Object.fromEntries(Object.entries(APPLE_CATEGORIES).map(([name, subs]) => [name, [...subs].sort()]));
      expect(ours).to.deep.equal(theirs);
    });

    it('derives podcast:guid as the namespace says (its own example feed)', () => {
      expect(feedGuid('https://mp3s.nashownotes.com/pc20rss.xml')).to.equal('917393e3-1b1e-5cef-ace4-edaa54e1f810');
    });
  });
});

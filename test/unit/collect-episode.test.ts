import { expect } from 'chai';
import { collectEpisode, type CollectorDeps } from '../../src/core/collection/collect-episode.ts';
import { parseEpisodeContent } from '../../src/core/contracts.ts';
import { newEpisode } from '../../src/core/episodes/status.ts';
import { DownstreamError, NotFoundError, NotReadyError, RetryLaterError, ValidationError } from '../../src/core/errors.ts';
import { collectionRequestFor } from '../../src/core/handoff.ts';
import { episodeKey } from '../../src/core/keys.ts';
import { podcastConfig, post } from '../helpers/factories.ts';
import { ManualClock, MemoryChannelProgress, MemoryChannels, MemoryEpisodes, MemoryObjects, MemoryPodcasts, MemoryQueues } from '../helpers/memory-ports.ts';

const PROCESSING = 'memory://processing';
const created = new Date('2026-11-29T07:00:00.000Z');

function setup() {
  const deps = {
    podcasts: new MemoryPodcasts(),
    episodes: new MemoryEpisodes(),
    objects: new MemoryObjects(),
    queue: new MemoryQueues(),
    reader: new MemoryChannels(),
    readers: undefined as unknown as MemoryChannels,
    progress: new MemoryChannelProgress(),
    clock: new ManualClock(new Date(created.getTime() + 1_000)),
    processingQueueUrl: PROCESSING,
  } satisfies CollectorDeps & { reader: MemoryChannels };
  deps.readers = deps.reader;
  const podcast = podcastConfig({ telegram_channels: ['@first_channel', '@second_channel'] });
  void deps.podcasts.put(podcast);
  const episode = newEpisode(podcast, 'manual', created);
  deps.episodes.seed(episode);
  const key = { podcastId: episode.podcast_id, episodeId: episode.episode_id };
  return { deps, podcast, episode, key, request: collectionRequestFor(episode, 'manual') };
}

describe('collecting an episode (in-memory ports)', () => {
  it('reads every channel, stores valid content.json and hands the episode on with a processing message', async () => {
    const { deps, key, request } = setup();
    deps.reader.add('first_channel', post({ channel: 'first_channel', id: 1, date: '2026-11-29T05:00:00.000Z' }));
    deps.reader.add('second_channel', post({ channel: 'second_channel', id: 7, date: '2026-11-29T04:00:00.000Z' }));
    const result = await collectEpisode(deps, request, 60);
    expect(result.outcome).to.equal('collected');
    const content = parseEpisodeContent(await deps.objects.getJson(episodeKey(key.podcastId, key.episodeId, 'content')));
    expect(content.posts.map((p) => `${p.channel}#${p.id}`)).to.deep.equal(['second_channel#7', 'first_channel#1']);
    const [message] = deps.queue.to(PROCESSING) as Array<{ episode_id: string; result: { message_count: number } }>;
    expect(message).to.include({ episode_id: key.episodeId });
    expect(message?.result.message_count).to.equal(2);
    expect((await deps.episodes.get(key))?.status).to.equal('collected');
  });

  it('marks the episode skipped with the reason when no channel has a new post, and sends nothing', async () => {
    const { deps, key, request } = setup();
    const result = await collectEpisode(deps, request, 60);
    expect(result.outcome).to.equal('skipped');
    const stored = await deps.episodes.get(key);
    expect(stored?.status).to.equal('skipped');
    expect(stored?.skip_reason).to.include('no new posts in @first_channel, @second_channel');
    expect(deps.queue.sent).to.deep.equal([]);
  });

  it('sends the processing message again for a redelivered request of a collected episode, without reading the channels', async () => {
    const { deps, request } = setup();
    deps.reader.add('first_channel', post({ channel: 'first_channel', id: 1 }));
    await collectEpisode(deps, request, 60);
    const reads = deps.reader.reads.length;
    const again = await collectEpisode(deps, request, 60);
    expect(again.outcome).to.equal('already-done');
    expect(deps.reader.reads).to.have.length(reads);
    expect(deps.queue.to(PROCESSING)).to.have.length(2);
  });

  it('wraps a channel that cannot be read in a retryable DownstreamError naming the channel and keeping the cause', async () => {
    const { deps, request } = setup();
    deps.reader.failures.set('second_channel', new SyntaxError('Unexpected token < in JSON'));
    const error = await collectEpisode(deps, request, 60).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(DownstreamError);
    expect((error as Error).message).to.include('@second_channel');
    expect((error as Error).cause).to.be.instanceOf(SyntaxError);
  });

  it('refuses a request for an unknown podcast with NotFoundError and touches nothing', async () => {
    const { deps, request } = setup();
    const error = await collectEpisode(deps, { ...request, podcast_id: 'no-such-show' }, 60).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(NotFoundError);
    expect(deps.episodes.applied).to.deep.equal([]);
  });

  it('reads from where the last completed episode ended, so no post reaches two episodes', async () => {
    const { deps, podcast, request, key } = setup();
    const earlier = { ...newEpisode(podcast, 'schedule', new Date('2026-11-28T07:00:00.000Z')), status: 'completed' as const, window_to: '2026-11-29T02:00:00.000Z' };
    deps.episodes.seed(earlier);
    deps.reader.add('first_channel', post({ channel: 'first_channel', id: 1, date: '2026-11-29T01:00:00.000Z' }), post({ channel: 'first_channel', id: 2, date: '2026-11-29T03:00:00.000Z' }));
    await collectEpisode(deps, request, 60);
    const content = parseEpisodeContent(await deps.objects.getJson(episodeKey(key.podcastId, key.episodeId, 'content')));
    expect(content.posts.map((p) => p.id)).to.deep.equal([2]);
    expect(content.window.from).to.equal('2026-11-29T02:00:00.000Z');
  });

  it('a redriven failed episode waits while another episode of its podcast is in flight, then takes the place back', async () => {
    const { deps, key, request, episode } = setup();
    deps.reader.add('first_channel', post({ channel: 'first_channel', id: 1 }));
    await deps.episodes.apply('claimCollection', key, {}, deps.clock.now());
    await deps.episodes.apply('markFailed', key, { error: 'channel unreachable', failed_stage: 'collecting' }, deps.clock.now());
    const other = newEpisode({ podcast_id: episode.podcast_id }, 'schedule', new Date(created.getTime() + 60_000));
    deps.episodes.seed(other);
    deps.episodes.inFlight.set(episode.podcast_id, { episode_id: other.episode_id, since: other.created_at });

    const waiting = await collectEpisode(deps, request, 60).then(() => undefined, (e: unknown) => e);
    expect(waiting).to.be.instanceOf(NotReadyError);
    expect((await deps.episodes.get(key))?.status).to.equal('failed');

    await deps.episodes.apply('markFailed', { podcastId: other.podcast_id, episodeId: other.episode_id }, { error: 'x', failed_stage: 'queued' }, deps.clock.now());
    expect((await collectEpisode(deps, request, 60)).outcome).to.equal('collected');
    expect(deps.episodes.inFlight.get(episode.podcast_id)?.episode_id).to.equal(episode.episode_id);
  });

  it('takes only posts after the last id an earlier episode took, passes that id to the reader, and raises the mark', async () => {
    const { deps, key, request, podcast } = setup();
    await deps.progress.advance(podcast.podcast_id, 'first_channel', 5, 'earlier');
    deps.reader.add('first_channel', post({ channel: 'first_channel', id: 5, date: '2026-11-29T05:00:00.000Z' }), post({ channel: 'first_channel', id: 6, date: '2026-11-29T05:30:00.000Z' }));
    deps.reader.add('second_channel', post({ channel: 'second_channel', id: 40, date: '2026-11-29T04:00:00.000Z' }));
    await collectEpisode(deps, request, 60);
    const content = parseEpisodeContent(await deps.objects.getJson(episodeKey(key.podcastId, key.episodeId, 'content')));
    expect(content.posts.map((p) => `${p.channel}#${p.id}`)).to.deep.equal(['second_channel#40', 'first_channel#6']);
    expect(deps.reader.afterIds).to.deep.equal([5, undefined]);
    expect(await deps.progress.lastTaken(podcast.podcast_id, '@first_channel')).to.equal(6);
    expect(await deps.progress.lastTaken(podcast.podcast_id, 'second_channel')).to.equal(40);
    expect(content.channel_stats?.find((s) => s.channel === 'first_channel')?.dropped).to.deep.equal({ 'already-in-episode': 1 });
  });

  it('keeps one story when the same post is forwarded to two channels of the podcast, and counts the repeat', async () => {
    const { deps, key, request } = setup();
    const story = 'The city council approved the new tram line after a four-hour debate.';
    deps.reader.add('first_channel', post({ channel: 'first_channel', id: 3, date: '2026-11-29T05:00:00.000Z', text: story }));
    deps.reader.add('second_channel', {
      ...post({ channel: 'second_channel', id: 9, date: '2026-11-29T05:10:00.000Z', text: `${story} https://news.example/tram` }),
      forwarded_from: { name: 'First', channel: 'first_channel', id: 3 },
    });
    await collectEpisode(deps, request, 60);
    const content = parseEpisodeContent(await deps.objects.getJson(episodeKey(key.podcastId, key.episodeId, 'content')));
    expect(content.posts.map((p) => `${p.channel}#${p.id}`)).to.deep.equal(['first_channel#3']);
    const second = content.channel_stats?.find((s) => s.channel === 'second_channel');
    expect(second).to.include({ read: 1, kept: 0 });
    expect(second?.dropped).to.deep.equal({ duplicate: 1 });
  });

  it('records per-channel statistics on content.json and the episode: read, kept, dropped by rule, media stored and failed', async () => {
    const { deps, key, request } = setup();
    deps.reader.add(
      'first_channel',
      post({ channel: 'first_channel', id: 1, date: '2026-11-29T05:00:00.000Z', media: [{ type: 'photo', url: 'https://cdn.example/a.jpg' }, { type: 'photo', url: 'https://cdn.example/missing.jpg' }] }),
      post({ channel: 'first_channel', id: 2, date: '2026-11-29T05:01:00.000Z', text: 'ok' }),
    );
    deps.reader.mediaBodies.set('https://cdn.example/a.jpg', { body: new Uint8Array([0xff, 0xd8, 0xff]), contentType: 'image/jpeg' });
    await collectEpisode(deps, request, 60);
    const content = parseEpisodeContent(await deps.objects.getJson(episodeKey(key.podcastId, key.episodeId, 'content')));
    const first = content.channel_stats?.find((s) => s.channel === 'first_channel');
    expect(first).to.deep.equal({ channel: 'first_channel', source: 'web', read: 2, kept: 1, dropped: { 'too-short': 1 }, media_stored: 1, media_failed: 1, last_id: 2 });
    const [stored, missing] = content.posts[0]!.media;
    expect(stored?.key).to.match(/media\/first_channel-1-1\.jpg$/);
    expect(stored).to.include({ bytes: 3, content_type: 'image/jpeg' });
    expect(deps.objects.objects.get(stored!.key!)?.tags).to.deep.equal({ 'telecast-class': 'media' });
    expect(missing?.key).to.equal(undefined);
    expect((await deps.episodes.get(key))?.result?.channel_stats).to.deep.equal(content.channel_stats);
  });

  it('says in the skip reason what was read and why it was dropped', async () => {
    const { deps, key, request } = setup();
    deps.reader.add('first_channel', post({ channel: 'first_channel', id: 2, date: '2026-11-29T05:01:00.000Z', text: 'ok' }));
    await collectEpisode(deps, request, 60);
    expect((await deps.episodes.get(key))?.skip_reason).to.include('1 read and dropped (too-short 1)');
  });

  it('passes a reader\'s own errors on as they are: a channel without a preview stays permanent, a flood wait keeps its seconds', async () => {
    const { deps, request } = setup();
    deps.reader.failures.set('first_channel', new ValidationError('@first_channel has no public web preview'));
    const permanent = await collectEpisode(deps, request, 60).then(() => undefined, (e: unknown) => e);
    expect(permanent).to.be.instanceOf(ValidationError);
    const again = setup();
    again.deps.reader.failures.set('first_channel', new RetryLaterError('flood wait on @first_channel', 3600));
    const wait = await collectEpisode(again.deps, again.request, 60).then(() => undefined, (e: unknown) => e);
    expect(wait).to.be.instanceOf(RetryLaterError);
    expect((wait as RetryLaterError).seconds).to.equal(3600);
  });
});

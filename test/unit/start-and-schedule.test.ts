import { expect } from 'chai';
import { runSchedule, type ScheduleDeps } from '../../src/core/episodes/schedule.ts';
import { EpisodeInFlightError, triggerEpisode } from '../../src/core/episodes/start-episode.ts';
import { newEpisode } from '../../src/core/episodes/status.ts';
import { DownstreamError, NotFoundError } from '../../src/core/errors.ts';
import { podcastConfig } from '../helpers/factories.ts';
import { ManualClock, MemoryChannels, MemoryEpisodes, MemoryPodcasts, MemoryQueues } from '../helpers/memory-ports.ts';

const COLLECTION = 'memory://collection';
const now = new Date('2026-11-29T07:00:00.000Z');

function setup() {
  const queue = new MemoryQueues();
  const deps = {
    podcasts: new MemoryPodcasts(),
    episodes: new MemoryEpisodes(),
    queue,
    inspector: queue,
    clock: new ManualClock(now),
    collectionQueueUrl: COLLECTION,
    queues: [{ name: 'telegram-collection-queue', url: COLLECTION }],
    stuckAfterMinutes: 300,
    readers: new MemoryChannels(),
  } satisfies ScheduleDeps;
  return { deps };
}

describe('starting an episode (in-memory ports)', () => {
  it('creates a pending episode and sends its collection request', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig());
    const episode = await triggerEpisode(deps, 'tech-pulse', 'manual');
    expect(episode).to.include({ status: 'pending', trigger: 'manual', attempts: 0 });
    expect(deps.queue.to(COLLECTION)).to.deep.equal([
      { schema_version: 1, podcast_id: 'tech-pulse', episode_id: episode.episode_id, trigger: 'manual', requested_at: episode.created_at },
    ]);
  });

  it('refuses while an episode is in flight, naming that episode', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig());
    const first = await triggerEpisode(deps, 'tech-pulse', 'manual');
    deps.clock.advance(1_000);
    const error = await triggerEpisode(deps, 'tech-pulse', 'manual').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(EpisodeInFlightError);
    expect((error as EpisodeInFlightError).episode.episode_id).to.equal(first.episode_id);
    expect(deps.queue.to(COLLECTION)).to.have.length(1);
  });

  it('refuses an unknown podcast with NotFoundError and creates nothing', async () => {
    const { deps } = setup();
    const error = await triggerEpisode(deps, 'no-such-show', 'manual').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(NotFoundError);
    expect(await deps.episodes.listForPodcast('no-such-show')).to.deep.equal([]);
  });

  it('marks the episode failed at stage queued with the reason when the request cannot be sent', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig());
    deps.queue.failNext.set(COLLECTION, new DownstreamError('connect ECONNREFUSED 127.0.0.1:4566'));
    await triggerEpisode(deps, 'tech-pulse', 'manual').catch(() => undefined);
    const [episode] = await deps.episodes.listForPodcast('tech-pulse');
    expect(episode).to.include({ status: 'failed', failed_stage: 'queued' });
    expect(episode?.error).to.include('ECONNREFUSED');
  });
});

describe('the podcast\'s one in-flight place (in-memory ports)', () => {
  it('is taken over from an episode that settled without giving it back (a crash between the two writes)', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig());
    const settled = { ...newEpisode(podcastConfig(), 'manual', new Date(now.getTime() - 3_600_000)), status: 'completed' as const };
    deps.episodes.seed(settled);
    deps.episodes.inFlight.set('tech-pulse', { episode_id: settled.episode_id, since: settled.created_at });
    const episode = await triggerEpisode(deps, 'tech-pulse', 'manual');
    expect(deps.episodes.inFlight.get('tech-pulse')?.episode_id).to.equal(episode.episode_id);
  });

  it('refuses while a start that has not created its episode yet holds it, and takes it over after a minute', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig());
    deps.episodes.inFlight.set('tech-pulse', { episode_id: '20261129T065959000Z', since: new Date(now.getTime() - 10_000).toISOString() });
    const refused = await triggerEpisode(deps, 'tech-pulse', 'manual').then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(EpisodeInFlightError);
    deps.clock.advance(60_000);
    const episode = await triggerEpisode(deps, 'tech-pulse', 'manual');
    expect(deps.episodes.inFlight.get('tech-pulse')?.episode_id).to.equal(episode.episode_id);
  });

  it('is given back when the episode settles', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig());
    const episode = await triggerEpisode(deps, 'tech-pulse', 'manual');
    await deps.episodes.apply('markFailed', { podcastId: 'tech-pulse', episodeId: episode.episode_id }, { error: 'x', failed_stage: 'queued' }, now);
    expect(deps.episodes.inFlight.has('tech-pulse')).to.equal(false);
  });
});

describe('a scheduler tick (in-memory ports)', () => {
  it('starts an episode for a due podcast and reports the others with their reasons, and the queues as the tick found them', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig({ podcast_id: 'due-show' }));
    await deps.podcasts.put(podcastConfig({ podcast_id: 'off-show', enabled: false }));
    const report = await runSchedule(deps);
    expect(report.triggered.map((t) => t.podcast_id)).to.deep.equal(['due-show']);
    expect(report.notDue).to.deep.equal([{ podcast_id: 'off-show', reason: 'disabled' }]);
    expect(report.depths).to.deep.equal([{ queue: 'telegram-collection-queue', url: COLLECTION, visible: 0, inFlight: 0, delayed: 0 }]);
    expect(deps.queue.to(COLLECTION)).to.have.length(1);
  });

  it('fails an episode stuck past the timeout with the stage it was stuck in, then starts the next one when it is due', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig());
    const longAgo = new Date(now.getTime() - 25 * 3_600_000);
    deps.episodes.seed({ ...newEpisode(podcastConfig(), 'schedule', longAgo), status: 'generating', attempts: 1 });
    const report = await runSchedule(deps);
    expect(report.stuck).to.have.length(1);
    const [next, stuck] = await deps.episodes.listForPodcast('tech-pulse');
    expect(stuck).to.include({ status: 'failed', failed_stage: 'generating' });
    expect(stuck?.error).to.include('stuck in generating');
    expect(next?.status).to.equal('pending');
  });

  it('never fails an episode whose claim still holds a lease', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig());
    const longAgo = new Date(now.getTime() - 400 * 60_000);
    deps.episodes.seed({
      ...newEpisode(podcastConfig(), 'schedule', longAgo),
      status: 'generating',
      attempts: 1,
      lease_expires_at: new Date(now.getTime() + 60_000).toISOString(),
    });
    const report = await runSchedule(deps);
    expect(report.stuck).to.deep.equal([]);
    expect(report.triggered).to.deep.equal([]);
  });

  it('reports a stored configuration that no longer validates and still starts the other podcasts', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig({ podcast_id: 'good-show' }));
    deps.podcasts.items.set('broken-show', { podcast_id: 'broken-show', name: 'Broken' });
    const report = await runSchedule(deps);
    expect(report.triggered.map((t) => t.podcast_id)).to.deep.equal(['good-show']);
    expect(report.errors.map((e) => e.podcast_id)).to.deep.equal(['broken-show']);
  });

  it('does not start a due podcast whose channel cannot be read yet, and says which channel and why', async () => {
    const { deps } = setup();
    await deps.podcasts.put(podcastConfig({ podcast_id: 'waiting-show', telegram_channels: ['@waiting_channel'] }));
    await deps.podcasts.put(podcastConfig({ podcast_id: 'ready-show', telegram_channels: ['@ready_channel'] }));
    deps.readers.unready.set('waiting_channel', '@waiting_channel cannot be read from its export: no export uploaded');
    const report = await runSchedule(deps);
    expect(report.triggered.map((t) => t.podcast_id)).to.deep.equal(['ready-show']);
    expect(report.unreadable).to.deep.equal([
      { podcast_id: 'waiting-show', channels: [{ channel: '@waiting_channel', reason: '@waiting_channel cannot be read from its export: no export uploaded' }] },
    ]);
    expect(await deps.episodes.listForPodcast('waiting-show')).to.deep.equal([]);

    deps.readers.unready.clear();
    deps.clock.advance(60_000);
    expect((await runSchedule(deps)).triggered.map((t) => t.podcast_id)).to.deep.equal(['waiting-show']);
  });
});

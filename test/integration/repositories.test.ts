import { expect } from 'chai';
import type { PodcastConfig } from '../../src/core/contracts.ts';
import { ConflictError, NotFoundError } from '../../src/core/errors.ts';
import { newEpisode } from '../../src/core/episodes/status.ts';
import { episode as makeEpisode, podcastConfig } from '../helpers/factories.ts';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';

describe('DynamoDB repositories on dynalite', function () {
  this.timeout(30_000);
  let aws: EmulatedAws;
  before(async () => {
    aws = await startEmulatedAws();
  });
  after(() => aws?.stop());

  let seq = 0;
  /** A fresh pending episode of its own podcast, so tests do not share state. */
  async function pendingEpisode() {
    const podcastId = `pod-${++seq}`;
    await aws.podcasts.put(podcastConfig({ podcast_id: podcastId }));
    const e = newEpisode({ podcast_id: podcastId }, 'manual', new Date(Date.UTC(2026, 10, 29, 7, 0, 0, seq)));
    await aws.episodes.create(e);
    return { episode: e, key: { podcastId, episodeId: e.episode_id } };
  }
  const now = () => new Date();
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  it('stores a podcast and reads it back with defaults filled in', async () => {
    await aws.podcasts.put(podcastConfig({ podcast_id: 'roundtrip', name: 'Round Trip', language: 'he' }));
    const back = await aws.podcasts.get('roundtrip');
    expect(back).to.include({ podcast_id: 'roundtrip', name: 'Round Trip', language: 'he', window_hours: 24 });
    expect((await aws.podcasts.list()).podcasts.map((p) => p.podcast_id)).to.include('roundtrip');
    expect(await aws.podcasts.get('nope')).to.equal(undefined);
  });

  it('lists the valid podcasts and reports a stored configuration that no longer validates, instead of failing', async () => {
    await aws.podcasts.put(podcastConfig({ podcast_id: 'fine-show' }));
    await aws.podcasts.put({ ...podcastConfig({ podcast_id: 'broken-show' }), creativity: 7 });
    const { podcasts, invalid } = await aws.podcasts.list();
    expect(podcasts.map((p) => p.podcast_id)).to.include('fine-show').and.not.include('broken-show');
    expect(invalid).to.deep.equal([{ podcast_id: 'broken-show', error: 'ValidationError: invalid podcast configuration: /creativity must be <= 1' }]);
  });

  it('reads a podcast stored before podcasts named a voice engine with espeak-ng, the engine it was spoken by', async () => {
    const { voice_engine: _omitted, ...stored } = podcastConfig({ podcast_id: 'older-show', voice_engine: 'espeak' });
    await aws.podcasts.put(stored as PodcastConfig);
    expect(await aws.podcasts.get('older-show')).to.include({ language: 'en', voice_engine: 'espeak' });
  });

  it('refuses to create the same episode twice', async () => {
    const { episode } = await pendingEpisode();
    let error: unknown;
    await aws.episodes.create(episode).catch((e) => (error = e));
    expect(error).to.be.instanceOf(ConflictError);
  });

  it('walks the whole happy path with conditional transitions, counting each stage\'s tries: a clean run is attempt 1', async () => {
    const { key } = await pendingEpisode();
    await aws.episodes.apply('claimCollection', key, { lease_expires_at: inAnHour() }, now());
    await aws.episodes.apply('markCollected', key, { content_key: 'x' }, now());
    await aws.episodes.apply('claimGeneration', key, { lease_expires_at: inAnHour() }, now());
    const done = await aws.episodes.apply('markCompleted', key, { duration_seconds: 12.5 }, now());
    expect(done).to.include({ status: 'completed', attempts: 1, collection_attempts: 1, generation_attempts: 1, duration_seconds: 12.5 });
    expect(done).to.not.have.property('lease_expires_at');
  });

  it('appends every transition to the timeline in the same update: status, time, message id, error; a refused one adds nothing', async () => {
    const { key } = await pendingEpisode();
    const at = (s: number) => new Date(Date.UTC(2026, 10, 29, 8, 0, s));
    await aws.episodes.apply('claimCollection', key, { lease_expires_at: inAnHour(), message_id: 'm-collect' }, at(1));
    await aws.episodes.apply('markCollected', key, { content_key: 'x', message_id: 'm-collect' }, at(2));
    await aws.episodes.apply('claimGeneration', key, { message_id: 'm-generate' }, at(3));
    await aws.episodes.apply('markCompleted', key, {}, at(4)).catch(() => undefined);
    await aws.episodes.apply('markCollected', key, {}, at(5)).catch(() => undefined); // refused: it is completed
    const stored = await aws.episodes.get(key);
    expect(stored!.timeline).to.deep.equal([
      { transition: 'claimCollection', status: 'collecting', at: at(1).toISOString(), message_id: 'm-collect' },
      { transition: 'markCollected', status: 'collected', at: at(2).toISOString(), message_id: 'm-collect' },
      { transition: 'claimGeneration', status: 'generating', at: at(3).toISOString(), message_id: 'm-generate' },
      { transition: 'markCompleted', status: 'completed', at: at(4).toISOString() },
    ]);
    expect(stored).to.not.have.property('message_id');
  });

  it("writes a generation claim's new_script to its timeline entry only, never to the episode", async () => {
    const { key } = await pendingEpisode();
    await aws.episodes.apply('claimCollection', key, { lease_expires_at: inAnHour() }, now());
    await aws.episodes.apply('markCollected', key, { content_key: 'x' }, now());
    const claimed = await aws.episodes.apply('claimGeneration', key, { lease_expires_at: inAnHour(), new_script: true }, now());
    expect(claimed.timeline!.at(-1)).to.include({ transition: 'claimGeneration', new_script: true });
    expect(claimed.timeline!.slice(0, -1).some((t) => 'new_script' in t)).to.equal(false);
    expect(await aws.episodes.get(key)).to.not.have.property('new_script');
  });

  it('records a failure with its error in the timeline', async () => {
    const { key } = await pendingEpisode();
    await aws.episodes.apply('markFailed', key, { error: 'boom', failed_stage: 'queued' }, now());
    expect((await aws.episodes.get(key))!.timeline).to.have.length(1).and.to.satisfy((t: Array<{ error?: string }>) => t[0]!.error === 'boom');
  });

  it('lists a podcast\'s episodes a page at a time: before an episode id', async () => {
    const podcastId = `pod-${++seq}`;
    for (let day = 1; day <= 3; day++) await aws.episodes.create(newEpisode({ podcast_id: podcastId }, 'manual', new Date(Date.UTC(2026, 10, day, 7))));
    const [newest] = await aws.episodes.listForPodcast(podcastId, { limit: 1 });
    const rest = await aws.episodes.listForPodcast(podcastId, { limit: 5, before: newest!.episode_id });
    expect(rest.map((e) => e.episode_id)).to.deep.equal(['20261102T070000000Z', '20261101T070000000Z']);
  });

  it('keeps operator actions in the audit log, newest first, apart from the podcasts', async () => {
    await aws.audit.record({ at: '2026-11-29T07:00:00.000Z', actor: 's-1', action: 'generate', target: 'tech-pulse', outcome: 'ok' });
    await aws.audit.record({ at: '2026-11-29T07:00:00.000Z', actor: 's-1', action: 'retry', target: 'tech-pulse/x', outcome: 'refused', detail: 'not failed' });
    await aws.audit.record({ at: '2026-11-29T07:05:00.000Z', actor: 's-2', action: 'redrive', target: 'processing', outcome: 'ok' });
    const entries = await aws.audit.list();
    expect(entries[0]).to.deep.equal({ at: '2026-11-29T07:05:00.000Z', actor: 's-2', action: 'redrive', target: 'processing', outcome: 'ok' });
    expect(entries.map((e) => e.action)).to.have.members(['redrive', 'generate', 'retry']);
    expect((await aws.podcasts.list()).podcasts.map((p) => p.podcast_id)).to.not.include('processing');
  });

  it('never moves a completed episode back to generating, and says what it is', async () => {
    const { key } = await pendingEpisode();
    await aws.episodes.apply('claimCollection', key, {}, now());
    await aws.episodes.apply('markCollected', key, {}, now());
    await aws.episodes.apply('claimGeneration', key, {}, now());
    await aws.episodes.apply('markCompleted', key, {}, now());
    let error: ConflictError | undefined;
    await aws.episodes.apply('claimGeneration', key, {}, now()).catch((e) => (error = e));
    expect(error).to.be.instanceOf(ConflictError);
    expect(error?.currentStatus).to.equal('completed');
    expect((await aws.episodes.get(key))?.status).to.equal('completed');
  });

  it('lets only one of two concurrent claims win', async () => {
    const { key } = await pendingEpisode();
    const results = await Promise.allSettled([
      aws.episodes.apply('claimCollection', key, { lease_expires_at: inAnHour() }, now()),
      aws.episodes.apply('claimCollection', key, { lease_expires_at: inAnHour() }, now()),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    expect((await aws.episodes.get(key))?.attempts).to.equal(1);
  });

  it('lets a redelivery take over a claim whose lease has expired', async () => {
    const { key } = await pendingEpisode();
    await aws.episodes.apply('claimCollection', key, { lease_expires_at: new Date(Date.now() - 1000).toISOString() }, now());
    const again = await aws.episodes.apply('claimCollection', key, { lease_expires_at: inAnHour() }, now());
    expect(again).to.include({ status: 'collecting', attempts: 2, collection_attempts: 2 });
  });

  it('records a failure with its stage, and lets only that stage retry it, clearing the error', async () => {
    const { key } = await pendingEpisode();
    await aws.episodes.apply('claimCollection', key, {}, now());
    const failed = await aws.episodes.apply('markFailed', key, { error: 'boom', failed_stage: 'collecting' }, now());
    expect(failed).to.include({ status: 'failed', error: 'boom', failed_stage: 'collecting' });
    await aws.episodes.apply('claimGeneration', key, {}, now()).then(
      () => expect.fail('a generation claim must not revive a collection failure'),
      (e) => expect(e).to.be.instanceOf(ConflictError),
    );
    const retried = await aws.episodes.apply('claimCollection', key, {}, now());
    expect(retried.status).to.equal('collecting');
    expect(retried).to.not.have.property('error');
    expect(retried).to.not.have.property('failed_stage');
  });

  it('a guarded transition (the stuck sweep) refuses an episode that changed since it was read or holds a live lease', async () => {
    const { key } = await pendingEpisode();
    const claimed = await aws.episodes.apply('claimCollection', key, { lease_expires_at: inAnHour() }, now());
    const guarded = (guard: { updatedAt?: string; leaseExpired?: boolean }) =>
      aws.episodes.apply('markFailed', key, { error: 'stuck', failed_stage: 'collecting' }, now(), guard).then(
        () => 'failed',
        (e) => (e instanceof ConflictError ? 'refused' : Promise.reject(e)),
      );
    expect(await guarded({ leaseExpired: true })).to.equal('refused');
    expect(await guarded({ updatedAt: '2000-01-01T00:00:00.000Z' })).to.equal('refused');
    expect(await guarded({ updatedAt: claimed.updated_at })).to.equal('failed');
  });

  it('reports an unknown episode as not found, not as a conflict', async () => {
    let error: unknown;
    await aws.episodes.apply('claimCollection', { podcastId: 'ghost', episodeId: '20261129T070000000Z' }, {}, now()).catch((e) => (error = e));
    expect(error).to.be.instanceOf(NotFoundError);
  });

  it('keeps a transient error on the episode without changing its status', async () => {
    const { key } = await pendingEpisode();
    await aws.episodes.noteError(key, 'Throttled');
    expect(await aws.episodes.get(key)).to.include({ status: 'pending', last_error: 'Throttled' });
  });

  it('lists a podcast\'s episodes newest first', async () => {
    await aws.podcasts.put(podcastConfig({ podcast_id: 'history' }));
    for (const hour of [5, 9, 7]) await aws.episodes.create(makeEpisode({ podcast_id: 'history' }, new Date(Date.UTC(2026, 10, 29, hour))));
    const ids = (await aws.episodes.listForPodcast('history')).map((e) => e.episode_id);
    expect(ids).to.deep.equal(['20261129T090000000Z', '20261129T070000000Z', '20261129T050000000Z']);
    expect(await aws.episodes.listForPodcast('history', { limit: 1 })).to.have.length(1);
  });

  it('finds the newest completed channel episode before a given one, past later skipped, failed and direct ones', async () => {
    await aws.podcasts.put(podcastConfig({ podcast_id: 'last-done' }));
    const at = (h: number) => new Date(Date.UTC(2026, 10, 29, h));
    await aws.episodes.create(makeEpisode({ podcast_id: 'last-done', status: 'completed' }, at(1)));
    await aws.episodes.create(makeEpisode({ podcast_id: 'last-done', status: 'completed' }, at(2)));
    for (const h of [3, 4, 5]) await aws.episodes.create(makeEpisode({ podcast_id: 'last-done', status: h === 4 ? 'failed' : 'skipped' }, at(h)));
    await aws.episodes.create(makeEpisode({ podcast_id: 'last-done', status: 'completed', trigger: 'direct' }, at(6)));
    await aws.episodes.create(makeEpisode({ podcast_id: 'last-done', status: 'completed' }, at(7)));
    const before = (id: string) => aws.episodes.latestChannelEpisode('last-done', { status: 'completed', before: id });
    expect((await before('20261129T065900000Z'))?.episode_id).to.equal('20261129T020000000Z');
    expect(await before('20261129T010000000Z')).to.equal(undefined);
    expect((await aws.episodes.latestChannelEpisode('last-done'))?.episode_id).to.equal('20261129T070000000Z');
  });

  it('finds episodes by status updated before a cut-off, through the status index', async () => {
    const { key } = await pendingEpisode();
    const cutoffAfter = new Date(Date.now() + 60_000).toISOString();
    const cutoffBefore = '2000-01-01T00:00:00.000Z';
    const found = await aws.episodes.listByStatus('pending', cutoffAfter);
    expect(found.map((e) => e.episode_id)).to.include(key.episodeId);
    expect(await aws.episodes.listByStatus('pending', cutoffBefore)).to.deep.equal([]);
  });
});

import { expect } from 'chai';
import { newEpisode, type Episode } from '../../src/core/episodes/status.ts';
import { DownstreamError, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import { generateEpisode, type GeneratorDeps } from '../../src/core/generation/generate-episode.ts';
import { generateFromText } from '../../src/core/generation/direct-episode.ts';
import { collectionSummaryOf, episodeContentFor, processingMessageFor } from '../../src/core/handoff.ts';
import { episodeKey } from '../../src/core/keys.ts';
import { podcastConfig, post } from '../helpers/factories.ts';
import { MemoryAudioStore, ToneSynthesizer, memoryEngines } from '../helpers/memory-engines.ts';
import { ManualClock, MemoryEpisodes, MemoryObjects, MemoryPodcasts } from '../helpers/memory-ports.ts';

const created = new Date('2026-11-29T07:00:00.000Z');

function setup() {
  const synthesizer = new ToneSynthesizer();
  const deps = {
    podcasts: new MemoryPodcasts(),
    episodes: new MemoryEpisodes(),
    objects: new MemoryObjects(),
    engines: memoryEngines(synthesizer),
    audio: new MemoryAudioStore(),
    clock: new ManualClock(new Date(created.getTime() + 5_000)),
  } satisfies GeneratorDeps;
  const podcast = podcastConfig();
  void deps.podcasts.put(podcast);
  return { deps, podcast, synthesizer };
}

/** A collected episode with content.json in place, and its processing message. */
async function collected(deps: GeneratorDeps, podcast = podcastConfig()) {
  const base = newEpisode(podcast, 'manual', created);
  const window = { from: new Date(created.getTime() - 86_400_000), to: created };
  const content = episodeContentFor(podcast, base, window, [post({ id: 1 }), post({ id: 2, text: 'Second story. With a second sentence here.' })], created);
  const result = collectionSummaryOf(base, content);
  await deps.objects.putJson(result.content_key, content);
  const episode: Episode = { ...base, status: 'collected', result, content_key: result.content_key, collection_attempts: 1, attempts: 1 };
  (deps.episodes as MemoryEpisodes).seed(episode);
  return { episode, key: { podcastId: episode.podcast_id, episodeId: episode.episode_id }, message: processingMessageFor(episode, result) };
}

describe('generating an episode (in-memory ports)', () => {
  it('writes the script, stores the audio, transcripts and script, and completes with the exact duration', async () => {
    const { deps } = setup();
    const { key, message } = await collected(deps);
    const result = await generateEpisode(deps, message, 60);
    expect(result.outcome).to.equal('completed');
    const audio = deps.audio.audio.get(episodeKey(key.podcastId, key.episodeId, 'audio'));
    expect(audio?.state).to.equal('finished');
    expect(result.episode.duration_seconds).to.be.closeTo(audio!.samples / audio!.sampleRate!, 0.001);
    for (const file of ['script', 'transcript', 'vtt'] as const) expect(await deps.objects.exists(episodeKey(key.podcastId, key.episodeId, file))).to.equal(true);
    expect(result.episode).to.include({ status: 'completed', attempts: 1, generation_attempts: 1 });
  });

  it('speaks with the voices the podcast configures, through the engine the registry gives for it', async () => {
    const { deps, synthesizer } = setup();
    const { message } = await collected(deps);
    await generateEpisode(deps, message, 60);
    expect(new Set(synthesizer.calls.map((c) => c.voice))).to.deep.equal(new Set(['en-us+m3', 'en-us+f3']));
  });

  it('acknowledges a completed episode with no work: nothing is written again', async () => {
    const { deps } = setup();
    const { message } = await collected(deps);
    await generateEpisode(deps, message, 60);
    const writes = deps.objects.writes.length;
    const again = await generateEpisode(deps, message, 60);
    expect(again.outcome).to.equal('already-done');
    expect(deps.objects.writes).to.have.length(writes);
  });

  it('discards the audio and stays generating for a retry when the voice engine fails midway', async () => {
    const { deps, synthesizer } = setup();
    const { key, message } = await collected(deps);
    synthesizer.failOn.set(3, new DownstreamError('voice service unavailable'));
    const error = await generateEpisode(deps, message, 60).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(DownstreamError);
    expect(deps.audio.audio.get(episodeKey(key.podcastId, key.episodeId, 'audio'))?.state).to.equal('discarded');
    expect((await deps.episodes.get(key))?.status).to.equal('generating');
  });

  it('fails permanently, naming the field, when content.json does not validate', async () => {
    const { deps } = setup();
    const { key, message } = await collected(deps);
    await deps.objects.putJson(episodeKey(key.podcastId, key.episodeId, 'content'), { schema_version: 1, posts: [] });
    const error = await generateEpisode(deps, message, 60).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).violations).to.include('/posts must NOT have fewer than 1 items');
  });

  it('fails permanently when content.json names another episode', async () => {
    const { deps, podcast } = setup();
    const { key, message } = await collected(deps);
    const other = newEpisode(podcast, 'manual', new Date(created.getTime() + 1));
    const content = episodeContentFor(podcast, other, { from: new Date(0), to: created }, [post()], created);
    await deps.objects.putJson(episodeKey(key.podcastId, key.episodeId, 'content'), content);
    const error = await generateEpisode(deps, message, 60).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.include('belongs to another episode');
  });

  it('reports a missing content.json as NotFoundError naming its key', async () => {
    const { deps } = setup();
    const { key, message } = await collected(deps);
    deps.objects.objects.delete(episodeKey(key.podcastId, key.episodeId, 'content'));
    const error = await generateEpisode(deps, message, 60).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(NotFoundError);
    expect((error as Error).message).to.include(episodeKey(key.podcastId, key.episodeId, 'content'));
  });
});

describe('a direct { podcast_id, text } episode (in-memory ports)', () => {
  it('completes outside the schedule: trigger direct, one post, audio stored', async () => {
    const { deps } = setup();
    const episode = await generateFromText(deps, { podcast_id: 'tech-pulse', text: 'Breaking: a direct story read aloud for everyone.' }, 60);
    expect(episode).to.include({ status: 'completed', trigger: 'direct' });
    expect(await deps.episodes.latestChannelEpisode('tech-pulse')).to.equal(undefined);
  });

  it('settles the episode as failed when its claim fails, instead of leaving it pending for ever', async () => {
    const { deps } = setup();
    deps.episodes.failNext.set('claimCollection', new DownstreamError('DynamoDB update for claimCollection failed: socket hang up'));
    const error = await generateFromText(deps, { podcast_id: 'tech-pulse', text: 'A story that never gets claimed.' }, 60).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(DownstreamError);
    const [episode] = await deps.episodes.listForPodcast('tech-pulse');
    expect(episode).to.include({ status: 'failed', failed_stage: 'collecting' });
    expect(episode?.error).to.include('socket hang up');
  });

  it('marks a direct episode whose generation fails as failed at generating', async () => {
    const { deps, synthesizer } = setup();
    synthesizer.failOn.set(1, new DownstreamError('voice service unavailable', { retryable: false }));
    await generateFromText(deps, { podcast_id: 'tech-pulse', text: 'A story the voice cannot read.' }, 60).catch(() => undefined);
    const [episode] = await deps.episodes.listForPodcast('tech-pulse');
    expect(episode).to.include({ status: 'failed', failed_stage: 'generating' });
  });
});

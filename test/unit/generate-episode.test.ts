import { expect } from 'chai';
import { newEpisode, type Episode } from '../../src/core/episodes/status.ts';
import { DownstreamError, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import { generateEpisode, type GeneratorDeps } from '../../src/core/generation/generate-episode.ts';
import { generateFromText } from '../../src/core/generation/direct-episode.ts';
import { collectionSummaryOf, episodeContentFor, processingMessageFor } from '../../src/core/handoff.ts';
import { episodeKey, episodeTurnKey, MEDIA_TAG } from '../../src/core/keys.ts';
import type { Script } from '../../src/core/generation/script.ts';
import { podcastConfig, post } from '../helpers/factories.ts';
import { FixedScriptWriter, MemoryAudioStore, ToneSynthesizer, memoryEngines } from '../helpers/memory-engines.ts';
import { ManualClock, MemoryEpisodes, MemoryObjects, MemoryPodcasts } from '../helpers/memory-ports.ts';

const created = new Date('2026-11-29T07:00:00.000Z');

function setup(writer?: FixedScriptWriter) {
  const synthesizer = new ToneSynthesizer();
  const deps = {
    podcasts: new MemoryPodcasts(),
    episodes: new MemoryEpisodes(),
    objects: new MemoryObjects(),
    engines: memoryEngines(synthesizer, writer),
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
    // An English podcast naming no engine nor voices: Flite's default voices.
    expect(new Set(synthesizer.calls.map((c) => c.voice))).to.deep.equal(new Set(['rms', 'slt']));
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

describe('resuming an episode after a failed attempt (in-memory ports)', () => {
  const LEASE_SECONDS = 60;
  const scriptWrites = (deps: GeneratorDeps, key: { podcastId: string; episodeId: string }) =>
    (deps.objects as MemoryObjects).writes.filter((k) => k === episodeKey(key.podcastId, key.episodeId, 'script')).length;

  /** A ten-turn episode whose voice engine fails transiently on its third turn, then a retry after the lease. */
  async function failThenRetry() {
    const writer = new FixedScriptWriter(10);
    const { deps, synthesizer } = setup(writer);
    const { key, message } = await collected(deps);
    synthesizer.failOn.set(3, new DownstreamError('voice service unavailable'));
    const first = await generateEpisode(deps, message, LEASE_SECONDS).then(() => undefined, (e: unknown) => e);
    const firstCalls = synthesizer.calls.length;
    deps.clock.advance((LEASE_SECONDS + 1) * 1000);
    const retry = await generateEpisode(deps, message, LEASE_SECONDS);
    return { deps, synthesizer, writer, key, first, firstCalls, retry };
  }

  it('completes on the retry, asking the voice engine only for the turns the failed attempt did not speak', async () => {
    const { synthesizer, first, firstCalls, retry } = await failThenRetry();
    expect(first).to.be.instanceOf(DownstreamError);
    expect((first as DownstreamError).retryable).to.equal(true);
    expect(retry.outcome).to.equal('completed');
    expect(firstCalls, 'two turns spoken, the third failed').to.equal(3);
    const retried = synthesizer.calls.slice(firstCalls).map((c) => c.text);
    expect(retried, 'the retry starts at the failed third turn').to.deep.equal(Array.from({ length: 8 }, (_, i) => `Line number ${i + 3} of the show.`));
    const spoken = [...synthesizer.calls.slice(0, 2), ...synthesizer.calls.slice(firstCalls)].map((c) => c.text);
    expect(new Set(spoken).size, 'each of the ten turns synthesised once').to.equal(10);
    expect(spoken).to.have.length(10);
  });

  it('gives the retried episode the duration of all ten turns, the kept ones included', async () => {
    const { deps, key, retry } = await failThenRetry();
    const audio = deps.audio.audio.get(episodeKey(key.podcastId, key.episodeId, 'audio'));
    expect(audio?.state).to.equal('finished');
    expect(retry.episode.duration_seconds).to.be.closeTo(audio!.samples / audio!.sampleRate!, 0.001);
    const transcript = await deps.objects.getText(episodeKey(key.podcastId, key.episodeId, 'transcript'));
    for (const n of [1, 2, 10]) expect(transcript).to.include(`Line number ${n} of the show.`);
  });

  it('writes script.json once: the retry speaks the stored script and the writer is not asked again', async () => {
    const { deps, writer, key } = await failThenRetry();
    expect(writer.writes).to.equal(1);
    expect(scriptWrites(deps, key)).to.equal(1);
  });

  it('keeps each spoken turn under the episode, as it is spoken, tagged for media expiry', async () => {
    const writer = new FixedScriptWriter(10);
    const { deps, synthesizer } = setup(writer);
    const { key, message } = await collected(deps);
    synthesizer.failOn.set(3, new DownstreamError('voice service unavailable'));
    await generateEpisode(deps, message, LEASE_SECONDS).catch(() => undefined);
    const turns = deps.objects.writes.filter((k) => k.startsWith(episodeKey(key.podcastId, key.episodeId, 'turns')));
    const kept = synthesizer.calls.slice(0, 2).map(({ text, voice }) =>
      episodeTurnKey(key.podcastId, key.episodeId, { engine: 'flite', voice, sampleRate: synthesizer.sampleRate, text }),
    );
    expect(turns).to.deep.equal(kept);
    for (const k of kept) expect(deps.objects.objects.get(k)?.tags).to.deep.equal({ [MEDIA_TAG.key]: MEDIA_TAG.value });
  });

  it('fails permanently, naming its key, when the stored script is damaged', async () => {
    const { deps } = setup();
    const { key, message } = await collected(deps);
    await deps.objects.putJson(episodeKey(key.podcastId, key.episodeId, 'script'), { title: 'half a script' });
    const error = await generateEpisode(deps, message, LEASE_SECONDS).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as Error).message).to.include(episodeKey(key.podcastId, key.episodeId, 'script'));
  });
});

describe("an operator's request for a new script (in-memory ports)", () => {
  const LEASE_SECONDS = 60;
  const scriptKey = (key: { podcastId: string; episodeId: string }) => episodeKey(key.podcastId, key.episodeId, 'script');

  /** An episode whose first attempt wrote its script, then failed on the third turn and was marked failed. */
  async function failedOnce() {
    const writer = new FixedScriptWriter(10);
    const { deps, synthesizer } = setup(writer);
    const { episode, key, message } = await collected(deps);
    synthesizer.failOn.set(3, new DownstreamError('voice service unavailable'));
    await generateEpisode(deps, message, LEASE_SECONDS).catch(() => undefined);
    deps.clock.advance((LEASE_SECONDS + 1) * 1000);
    // As the consumer leaves it after the last receive: failed at generating, the operator's to retry.
    await deps.episodes.apply('markFailed', key, { error: 'DownstreamError: voice service unavailable', failed_stage: 'generating' }, deps.clock.now());
    const asking = processingMessageFor(episode, episode.result!, { newScriptRequestedAt: deps.clock.now() });
    deps.clock.advance(1000);
    return { deps, synthesizer, writer, key, message, asking };
  }

  it('writes a new script when the stored one was written before the request, records when, and speaks it', async () => {
    const { deps, synthesizer, writer, key, asking } = await failedOnce();
    const calls = synthesizer.calls.length;
    const result = await generateEpisode(deps, asking, LEASE_SECONDS);
    expect(result.outcome).to.equal('completed');
    expect(writer.writes).to.equal(2);
    const stored = await deps.objects.getJson<Script>(scriptKey(key));
    expect(stored.turns[0]!.text).to.equal('Line number 1 of the show, take 2.');
    expect(stored.generation?.written_at).to.equal(new Date(Date.parse(asking.new_script!.requested_at) + 1000).toISOString());
    expect(synthesizer.calls.slice(calls).map((c) => c.text)).to.deep.equal(stored.turns.map((t) => t.text));
    expect(result.episode.generation?.written_at, 'the episode records it too').to.equal(stored.generation?.written_at);
  });

  it('speaks the new script on a redelivery of the same message after it was written: the writer is not asked again', async () => {
    const { deps, synthesizer, writer, key, asking } = await failedOnce();
    synthesizer.failOn.set(synthesizer.calls.length + 4, new DownstreamError('voice service unavailable'));
    const first = await generateEpisode(deps, asking, LEASE_SECONDS).then(() => undefined, (e: unknown) => e);
    expect(first, 'the new script failed on its fourth turn').to.be.instanceOf(DownstreamError);
    deps.clock.advance((LEASE_SECONDS + 1) * 1000);
    const again = await generateEpisode(deps, asking, LEASE_SECONDS);
    expect(again.outcome).to.equal('completed');
    expect(writer.writes).to.equal(2);
    expect(deps.objects.writes.filter((k) => k === scriptKey(key))).to.have.length(2);
    const transcript = await deps.objects.getText(episodeKey(key.podcastId, key.episodeId, 'transcript'));
    expect(transcript).to.include('Line number 10 of the show, take 2.');
  });

  it('never rewrites a stored script for a message that does not ask, however old the script', async () => {
    const { deps, writer, key, message } = await failedOnce();
    deps.clock.advance(30 * 86_400_000);
    await generateEpisode(deps, message, LEASE_SECONDS);
    expect(writer.writes).to.equal(1);
    expect((await deps.objects.getJson<Script>(scriptKey(key))).turns[0]!.text).to.equal('Line number 1 of the show.');
  });

  it('counts a stored script that records no writing time as older than the request', async () => {
    const { deps, writer, key, asking } = await failedOnce();
    const { generation, ...untimed } = await deps.objects.getJson<Script>(scriptKey(key));
    await deps.objects.putJson(scriptKey(key), { ...untimed, generation: { ...generation!, written_at: undefined } });
    await generateEpisode(deps, asking, LEASE_SECONDS);
    expect(writer.writes).to.equal(2);
  });

  it('replaces a damaged stored script instead of failing on it', async () => {
    const { deps, writer, key, asking } = await failedOnce();
    await deps.objects.putJson(scriptKey(key), { title: 'half a script' });
    expect((await generateEpisode(deps, asking, LEASE_SECONDS)).outcome).to.equal('completed');
    expect(writer.writes).to.equal(2);
  });

  it("marks the try it claims for the request in the episode's timeline, and no other", async () => {
    const { deps, key, asking } = await failedOnce();
    await generateEpisode(deps, asking, LEASE_SECONDS);
    const claims = ((await deps.episodes.get(key))?.timeline ?? []).filter((t) => t.transition === 'claimGeneration');
    expect(claims.map((c) => c.new_script ?? false)).to.deep.equal([false, true]);
  });
});

describe('an episode without audio (in-memory ports)', () => {
  it('fails permanently at generating, with the reason, when the voice engine returns no samples: never completed', async () => {
    const { deps } = setup();
    const mute = { synthesize: async () => ({ sampleRate: 8_000, samples: new Int16Array(0) }) };
    deps.engines = memoryEngines(mute);
    await generateFromText(deps, { podcast_id: 'tech-pulse', text: 'A story the voice engine swallows.' }, 60).catch(() => undefined);
    const [episode] = await deps.episodes.listForPodcast('tech-pulse');
    expect(episode).to.include({ status: 'failed', failed_stage: 'generating' });
    expect(episode?.error).to.include('episode has no audio: the voice engine returned no samples');
  });

  it('fails permanently when the encoder wrote no MP3 frames, though samples were written', async () => {
    const { deps } = setup();
    const { key, message } = await collected(deps);
    const store = deps.audio;
    deps.audio = {
      open: async (k: string) => ({ ...(await store.open(k)), finish: async () => ({ bytes: 0 }) }),
    } as unknown as MemoryAudioStore;
    const error = await generateEpisode(deps, message, 60).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(DownstreamError);
    expect((error as DownstreamError).retryable).to.equal(false);
    expect((error as Error).message).to.include('no MP3 frames');
    expect((await deps.episodes.get(key))?.status).to.not.equal('completed');
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

/** The flite voice engine on the real Flite (WASI): its PCM, its voices, and an episode spoken through it. */
import { expect } from 'chai';
import { createEngineRegistry } from '../../src/adapters/engines.ts';
import { EspeakSynthesizer } from '../../src/adapters/espeak-synthesizer.ts';
import { FliteSynthesizer } from '../../src/adapters/flite-synthesizer.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { generateFromText } from '../../src/core/generation/direct-episode.ts';
import type { GeneratorDeps } from '../../src/core/generation/generate-episode.ts';
import { episodeKey } from '../../src/core/keys.ts';
import { medianF0, rms } from '../helpers/audio-analysis.ts';
import { podcastConfig } from '../helpers/factories.ts';
import { MemoryAudioStore } from '../helpers/memory-engines.ts';
import { ManualClock, MemoryEpisodes, MemoryObjects, MemoryPodcasts } from '../helpers/memory-ports.ts';

const SENTENCE = 'Welcome back to the show, where we go through the news of the week together.';

describe('the flite voice engine on the real Flite', function () {
  this.timeout(60_000);
  const synthesizer = new FliteSynthesizer();
  after(() => synthesizer.dispose());

  it('returns 16-bit mono PCM at the 16 kHz it declares, about as long as the sentence takes to say', async () => {
    const pcm = await synthesizer.synthesize(SENTENCE, 'rms');
    expect(synthesizer.sampleRate).to.equal(16_000);
    expect(pcm.sampleRate).to.equal(synthesizer.sampleRate);
    expect(pcm.samples).to.be.instanceOf(Int16Array);
    // Fifteen words at a conversational 120–240 words per minute, give or take the edges.
    expect(pcm.samples.length / pcm.sampleRate).to.be.within(3, 8);
    expect(rms(pcm.samples), "speech, not silence").to.be.greaterThan(0.02);
  });

  it('speaks the two default voices apart: slt is a higher voice than rms', async () => {
    const low = await synthesizer.synthesize(SENTENCE, 'rms');
    const high = await synthesizer.synthesize(SENTENCE, 'slt');
    expect(medianF0(high.samples, high.sampleRate)).to.be.greaterThan(1.3 * medianF0(low.samples, low.sampleRate));
  });

  it('resamples the 8 kHz kal voice to the declared rate', async () => {
    const pcm = await synthesizer.synthesize(SENTENCE, 'kal');
    expect(pcm.sampleRate).to.equal(16_000);
    expect(pcm.samples.length / pcm.sampleRate).to.be.within(3, 8);
  });

  it('speaks text that starts with a dash, and splits a long text into runs whose audio is joined', async () => {
    const dashed = await synthesizer.synthesize('-5 degrees tonight.', 'slt');
    expect(dashed.samples.length / dashed.sampleRate).to.be.greaterThan(0.8);
    const short = new FliteSynthesizer({ maxCharsPerRun: 100 });
    try {
      const text = `${SENTENCE} ${SENTENCE} ${SENTENCE}`;
      const split = await short.synthesize(text, 'rms');
      const whole = await synthesizer.synthesize(text, 'rms');
      expect(split.samples.length / whole.samples.length).to.be.within(0.85, 1.15);
    } finally {
      await short.dispose();
    }
  });

  it('gives no samples for blank text, and refuses a voice Flite does not have instead of speaking it with kal', async () => {
    expect((await synthesizer.synthesize(' \n ', 'rms')).samples).to.have.length(0);
    const error = await synthesizer.synthesize('Hello.', 'en-us+m3').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).retryable).to.equal(false);
    expect((error as Error).message).to.contain('rms, slt');
  });

  it('keeps speaking in a process that speaks espeak-ng between its runs (one podcastfy serves both engines)', async () => {
    const espeak = new EspeakSynthesizer();
    for (let round = 0; round < 3; round++) {
      expect((await synthesizer.synthesize('Flite speaks.', 'rms')).samples.length).to.be.greaterThan(0);
      expect((await espeak.synthesize('Espeak speaks.', 'en-us+m3')).samples.length).to.be.greaterThan(0);
    }
    expect((await synthesizer.synthesize('Flite again.', 'slt')).samples.length).to.be.greaterThan(0);
  });

  it('renders a flite podcast\'s episode through the engine registry, at Flite\'s rate', async () => {
    const podcast = podcastConfig({ voice_engine: 'flite' });
    const audio = new MemoryAudioStore();
    const deps = {
      podcasts: new MemoryPodcasts(),
      episodes: new MemoryEpisodes(),
      objects: new MemoryObjects(),
      engines: createEngineRegistry(),
      audio,
      clock: new ManualClock(new Date('2026-11-29T07:00:05.000Z')),
    } satisfies GeneratorDeps;
    await deps.podcasts.put(podcast);
    const episode = await generateFromText(deps, { podcast_id: podcast.podcast_id, text: 'Breaking: the river bridge reopens on Monday after a year of repairs.' }, 60);
    expect(episode.status).to.equal('completed');
    const stored = audio.audio.get(episodeKey(podcast.podcast_id, episode.episode_id, 'audio'));
    expect(stored).to.include({ state: 'finished', sampleRate: 16_000 });
    expect(episode.duration_seconds).to.be.closeTo(stored!.samples / 16_000, 0.001).and.to.be.greaterThan(3);
  });
});

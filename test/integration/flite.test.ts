/**
 * The flite voice engine on the real Flite (WASI) in its child processes: its PCM and voices, the pool kept across
 * calls, a killed or hung child reported as a transient failure and replaced, an unknown voice refused for good, and an
 * episode spoken through the engine registry.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createEngineRegistry } from '../../src/adapters/engines.ts';
import { EspeakSynthesizer } from '../../src/adapters/espeak-synthesizer.ts';
import { FLITE_SAMPLE_RATE, FliteSynthesizer, fliteWorkerCommand } from '../../src/adapters/flite-synthesizer.ts';
import { DownstreamError } from '../../src/core/errors.ts';
import { generateFromText } from '../../src/core/generation/direct-episode.ts';
import { FLITE_VOICES } from '../../src/core/generation/engines.ts';
import type { GeneratorDeps } from '../../src/core/generation/generate-episode.ts';
import { episodeKey } from '../../src/core/keys.ts';
import { medianF0, rms } from '../helpers/audio-analysis.ts';
import { podcastConfig } from '../helpers/factories.ts';
import { MemoryAudioStore } from '../helpers/memory-engines.ts';
import { ManualClock, MemoryEpisodes, MemoryObjects, MemoryPodcasts } from '../helpers/memory-ports.ts';
import type { SpeechSynthesizer } from '../../src/core/ports.ts';

const SENTENCE = 'Welcome back to the show, where we go through the news of the week together.';
const seconds = (pcm: { samples: Int16Array; sampleRate: number }) => pcm.samples.length / pcm.sampleRate;

async function failure(promise: Promise<unknown>): Promise<DownstreamError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).to.be.instanceOf(DownstreamError);
  return error as DownstreamError;
}

/** Resolves when the process is gone (signal 0 fails). */
async function gone(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`process ${pid} is still running`);
}

describe('the flite voice engine on the real Flite, in child processes', function () {
  this.timeout(60_000);
  const synthesizer = new FliteSynthesizer({ processes: 2 });
  after(() => synthesizer.dispose());

  for (const voice of FLITE_VOICES) {
    it(`speaks with ${voice}: 16-bit mono PCM at 16 kHz, about as long as the sentence takes to say`, async () => {
      const pcm = await synthesizer.synthesize(SENTENCE, voice);
      expect(pcm.sampleRate).to.equal(FLITE_SAMPLE_RATE).and.to.equal(synthesizer.sampleRate);
      expect(pcm.samples).to.be.instanceOf(Int16Array);
      // Fifteen words at a conversational 120–240 words per minute, give or take the edges.
      expect(seconds(pcm)).to.be.within(3, 8);
      expect(rms(pcm.samples), 'speech, not silence').to.be.greaterThan(0.02);
    });
  }

  it('resamples the 8 kHz kal voice to 16 kHz without changing its length (kal16 is the same voice at 16 kHz)', async () => {
    const kal = await synthesizer.synthesize(SENTENCE, 'kal');
    const kal16 = await synthesizer.synthesize(SENTENCE, 'kal16');
    expect(seconds(kal) / seconds(kal16)).to.be.within(0.9, 1.1);
  });

  it('speaks the two default voices apart: slt is a higher voice than rms', async () => {
    const low = await synthesizer.synthesize(SENTENCE, 'rms');
    const high = await synthesizer.synthesize(SENTENCE, 'slt');
    expect(medianF0(high.samples, high.sampleRate)).to.be.greaterThan(1.3 * medianF0(low.samples, low.sampleRate));
  });

  it('speaks text that starts with a dash, and splits a long text into runs whose audio is joined', async () => {
    expect(seconds(await synthesizer.synthesize('-5 degrees tonight.', 'slt'))).to.be.greaterThan(0.8);
    const short = new FliteSynthesizer({ processes: 1, maxCharsPerRun: 100 });
    try {
      const text = `${SENTENCE} ${SENTENCE} ${SENTENCE}`;
      const split = await short.synthesize(text, 'rms');
      const whole = await synthesizer.synthesize(text, 'rms');
      expect(split.samples.length / whole.samples.length).to.be.within(0.85, 1.15);
    } finally {
      await short.dispose();
    }
  });

  it('gives no samples for blank text without starting Flite', async () => {
    const fresh = new FliteSynthesizer();
    expect((await fresh.synthesize(' \n ', 'rms')).samples).to.have.length(0);
    expect(fresh.processIds()).to.deep.equal([]);
  });

  it('refuses a voice Flite does not have as a permanent failure, naming its voices, instead of speaking it with kal', async () => {
    const fresh = new FliteSynthesizer();
    const error = await failure(fresh.synthesize('Hello.', 'en-us+m3'));
    expect(error.retryable).to.equal(false);
    expect(error.message).to.contain('Flite has no voice "en-us+m3"').and.contain('rms, slt, awb, kal16, kal');
    expect(fresh.processIds(), 'no child started for it').to.deep.equal([]);
  });

  it('keeps one child across sequential calls, and a second only for calls in flight at once, with the same audio', async () => {
    const pool = new FliteSynthesizer({ processes: 2 });
    try {
      const first = await pool.synthesize(SENTENCE, 'rms');
      const [pid] = pool.processIds();
      await pool.synthesize('Another turn.', 'slt');
      expect(pool.processIds()).to.deep.equal([pid]);
      const texts = [SENTENCE, 'The second line.', 'A third one, spoken at the same time.', SENTENCE];
      const together = await Promise.all(texts.map((text) => pool.synthesize(text, 'rms')));
      expect(pool.processIds()).to.have.length(2).and.to.include(pid);
      expect(together[0]!.samples).to.deep.equal(first.samples);
      expect(together[3]!.samples).to.deep.equal(first.samples);
      for (const [i, text] of texts.entries()) expect(together[i]!.samples).to.deep.equal((await pool.synthesize(text, 'rms')).samples);
    } finally {
      await pool.dispose();
    }
  });

  it('reports a child killed in the middle of a run as a transient failure naming Flite and the signal, and speaks on with a new child', async () => {
    const pool = new FliteSynthesizer({ processes: 1 });
    try {
      await pool.synthesize('Warming up.', 'rms');
      const [pid] = pool.processIds();
      const running = pool.synthesize(`${SENTENCE} `.repeat(20), 'rms');
      process.kill(pid!, 'SIGKILL');
      const error = await failure(running);
      expect(error.retryable).to.equal(true);
      expect(error.message).to.match(/^Flite's process was killed by SIGKILL speaking \d+ characters with voice rms/);
      await gone(pid!);
      const after = await pool.synthesize(SENTENCE, 'rms');
      expect(seconds(after)).to.be.within(3, 8);
      expect(pool.processIds()).to.have.length(1).and.not.to.include(pid);
    } finally {
      await pool.dispose();
    }
  });

  it('replaces a child that died while idle on the next call', async () => {
    const pool = new FliteSynthesizer({ processes: 1 });
    try {
      await pool.synthesize('Warming up.', 'rms');
      const [pid] = pool.processIds();
      process.kill(pid!, 'SIGTERM');
      await gone(pid!);
      expect(seconds(await pool.synthesize(SENTENCE, 'slt'))).to.be.within(3, 8);
      expect(pool.processIds()).to.have.length(1).and.not.to.include(pid);
    } finally {
      await pool.dispose();
    }
  });

  it('kills a child that does not answer in time, as a transient failure, and takes it out of the pool', async () => {
    const pool = new FliteSynthesizer({ processes: 1, timeoutMs: 150 });
    try {
      // Starting a child (compiling flite.wasm) and speaking 1500 characters take well over 150 ms.
      const running = pool.synthesize(`${SENTENCE} `.repeat(20), 'rms');
      const [pid] = pool.processIds();
      const error = await failure(running);
      expect(error.retryable).to.equal(true);
      expect(error.message).to.match(/^Flite did not answer within 150 ms speaking \d+ characters with voice rms; its process was stopped/);
      expect(pool.processIds(), 'the stopped child has left the pool').to.deep.equal([]);
      await gone(pid!);
    } finally {
      await pool.dispose();
    }
  });

  it('keeps speaking in a process that speaks espeak-ng between its runs (one podcastfy serves both engines)', async () => {
    const espeak = new EspeakSynthesizer();
    for (let round = 0; round < 3; round++) {
      expect((await synthesizer.synthesize('Flite speaks.', 'rms')).samples.length).to.be.greaterThan(0);
      expect((await espeak.synthesize('Espeak speaks.', 'en-us+m3')).samples.length).to.be.greaterThan(0);
    }
  });

  it('lets a process that spoke with Flite exit on its own: an idle child holds nothing open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'telecast-flite-exit-'));
    try {
      const script = join(dir, 'speak.mts');
      const module = fileURLToPath(new URL('../../src/adapters/flite-synthesizer.ts', import.meta.url));
      writeFileSync(script, `import { FliteSynthesizer } from ${JSON.stringify(module)};\nconst pcm = await new FliteSynthesizer().synthesize('Goodbye.', 'rms');\nconsole.log(pcm.samples.length);\n`);
      const { execArgv } = fliteWorkerCommand();
      const { stdout } = await promisify(execFile)(process.execPath, [...execArgv, script], { timeout: 20_000 });
      expect(Number(stdout.trim())).to.be.greaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("renders a new English podcast's episode through the engine registry with Flite, at Flite's rate", async () => {
    const podcast = podcastConfig();
    expect(podcast.voice_engine).to.equal('flite');
    const audio = new MemoryAudioStore();
    const engines = createEngineRegistry();
    const deps = {
      podcasts: new MemoryPodcasts(),
      episodes: new MemoryEpisodes(),
      objects: new MemoryObjects(),
      engines,
      audio,
      clock: new ManualClock(new Date('2026-11-29T07:00:05.000Z')),
    } satisfies GeneratorDeps;
    await deps.podcasts.put(podcast);
    try {
      const text = 'Breaking: the river bridge reopens on Monday after a year of repairs.';
      const episode = await generateFromText(deps, { podcast_id: podcast.podcast_id, text }, 60);
      expect(episode.status).to.equal('completed');
      const stored = audio.audio.get(episodeKey(podcast.podcast_id, episode.episode_id, 'audio'));
      expect(stored).to.include({ state: 'finished', sampleRate: FLITE_SAMPLE_RATE });
      expect(episode.duration_seconds).to.be.closeTo(stored!.samples / FLITE_SAMPLE_RATE, 0.001).and.to.be.greaterThan(3);
    } finally {
      await (engines.synthesizerFor(podcast) as SpeechSynthesizer & { dispose(): Promise<void> }).dispose();
    }
  });
});

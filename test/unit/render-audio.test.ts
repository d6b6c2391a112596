import { expect } from 'chai';
import { DownstreamError, ValidationError } from '../../src/core/errors.ts';
import type { AudioEncoder, Pcm, SpeechSynthesizer } from '../../src/core/ports.ts';
import { renderEpisodeAudio, resampleLinear } from '../../src/core/generation/render-audio.ts';
import type { Script, ScriptTurn } from '../../src/core/generation/script.ts';
import { concatPcm } from '../helpers/audio-analysis.ts';
import { twoHostScript } from '../helpers/factories.ts';

const RATE = 1000;

/** Speech is 10 samples per character of value 1000 (never 0, so silence and speech are told apart). */
class FakeSynthesizer implements SpeechSynthesizer {
  calls: Array<{ text: string; voice: string }> = [];
  constructor(
    private readonly log: string[] = [],
    private readonly rateFor: (voice: string) => number = () => RATE,
  ) {}
  async synthesize(text: string, voice: string): Promise<Pcm> {
    this.calls.push({ text, voice });
    this.log.push(`synthesize ${text}`);
    const sampleRate = this.rateFor(voice);
    const length = text.trim() ? Math.round((text.trim().length * 10 * sampleRate) / RATE) : 0;
    return { sampleRate, samples: new Int16Array(length).fill(1000) };
  }
}

/** Keeps every sample it is given (tests are short) and logs each write. */
class FakeEncoder implements AudioEncoder {
  chunks: Int16Array[] = [];
  constructor(
    private readonly log: string[] = [],
    readonly sampleRate?: number,
  ) {}
  async write(samples: Int16Array): Promise<void> {
    this.chunks.push(samples.slice());
    this.log.push(`write ${samples.length}`);
  }
  async finish(): Promise<{ bytes: number }> {
    return { bytes: 0 };
  }
  get samples(): Int16Array {
    return concatPcm(this.chunks);
  }
}

const script = (turns: ScriptTurn[]): Script => twoHostScript(turns);

const twoSections = script([
  { speaker: 'person1', text: 'Hello there', section: 'intro' }, // 110 samples
  { speaker: 'person2', text: 'Hi Alex', section: 'intro' }, // 70
  { speaker: 'person1', text: 'First story', section: 'segment-1' }, // 110
]);
const options = { leadInSeconds: 0.2, pauseSeconds: 0.05, sectionPauseSeconds: 0.5 };

/** [start, end) sample ranges of non-zero runs. */
function speechRuns(samples: Int16Array): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start: number | undefined;
  for (let i = 0; i <= samples.length; i++) {
    const speaking = i < samples.length && samples[i] !== 0;
    if (speaking && start === undefined) start = i;
    if (!speaking && start !== undefined) {
      runs.push([start, i]);
      start = undefined;
    }
  }
  return runs;
}

describe('renderEpisodeAudio', () => {
  it('reports a duration equal to the samples written divided by the rate, exactly', async () => {
    const encoder = new FakeEncoder();
    const result = await renderEpisodeAudio(twoSections, { synthesizer: new FakeSynthesizer(), encoder }, options);
    // 200 lead-in + 110 + 50 pause + 70 + 500 section pause + 110
    expect(encoder.samples.length).to.equal(1040);
    expect(result.durationSeconds).to.equal(1.04);
    expect(result.sampleRate).to.equal(RATE);
  });

  it('puts the lead-in before the first turn, a pause between turns and a longer pause between sections', async () => {
    const encoder = new FakeEncoder();
    await renderEpisodeAudio(twoSections, { synthesizer: new FakeSynthesizer(), encoder }, options);
    expect(speechRuns(encoder.samples)).to.deep.equal([
      [200, 310],
      [360, 430],
      [930, 1040],
    ]);
  });

  it('times each cue from the sample counts: start at the turn’s first sample, end after its last', async () => {
    const { cues } = await renderEpisodeAudio(twoSections, { synthesizer: new FakeSynthesizer(), encoder: new FakeEncoder() }, options);
    expect(cues.map(({ start, end }) => [start, end])).to.deep.equal([
      [0.2, 0.31],
      [0.36, 0.43],
      [0.93, 1.04],
    ]);
    expect(cues.map((c) => [c.speaker, c.speakerName, c.text])).to.deep.equal([
      ['person1', 'Alex', 'Hello there'],
      ['person2', 'Dana', 'Hi Alex'],
      ['person1', 'Alex', 'First story'],
    ]);
  });

  it('uses the defaults of 0.25 s lead-in, 0.35 s between turns and 1 s between sections', async () => {
    const { cues } = await renderEpisodeAudio(twoSections, { synthesizer: new FakeSynthesizer(), encoder: new FakeEncoder() });
    expect(cues.map((c) => c.start)).to.deep.equal([0.25, 0.36 + 0.35, 0.78 + 1]);
  });

  it('speaks each turn with its own speaker’s voice', async () => {
    const synthesizer = new FakeSynthesizer();
    await renderEpisodeAudio(twoSections, { synthesizer, encoder: new FakeEncoder() }, options);
    expect(synthesizer.calls).to.deep.equal([
      { text: 'Hello there', voice: 'en-us+m3' },
      { text: 'Hi Alex', voice: 'en-us+f3' },
      { text: 'First story', voice: 'en-us+m3' },
    ]);
  });

  it('speaks a turn with its own voice when the script gives one (a post in another language)', async () => {
    const synthesizer = new FakeSynthesizer();
    const script = { ...twoSections, turns: twoSections.turns.map((t, i) => (i === 2 ? { ...t, voice: 'he+m3' } : t)) };
    await renderEpisodeAudio(script, { synthesizer, encoder: new FakeEncoder() }, options);
    expect(synthesizer.calls.map((c) => c.voice)).to.deep.equal(['en-us+m3', 'en-us+f3', 'he+m3']);
  });

  it('writes each turn to the encoder before synthesising the next (no episode-sized buffer)', async () => {
    const log: string[] = [];
    await renderEpisodeAudio(twoSections, { synthesizer: new FakeSynthesizer(log), encoder: new FakeEncoder(log) }, options);
    expect(log).to.deep.equal([
      'synthesize Hello there',
      'write 200',
      'write 110',
      'synthesize Hi Alex',
      'write 50',
      'write 70',
      'synthesize First story',
      'write 500',
      'write 110',
    ]);
  });

  it('skips blank turns: no audio, no pause, no cue', async () => {
    const withBlank = script([
      { speaker: 'person1', text: 'Hello there', section: 'intro' },
      { speaker: 'person2', text: '  \n ', section: 'intro' },
      { speaker: 'person2', text: 'Hi Alex', section: 'intro' },
    ]);
    const encoder = new FakeEncoder();
    const { cues, durationSeconds } = await renderEpisodeAudio(withBlank, { synthesizer: new FakeSynthesizer(), encoder }, options);
    expect(cues.map((c) => c.text)).to.deep.equal(['Hello there', 'Hi Alex']);
    expect(speechRuns(encoder.samples)).to.deep.equal([
      [200, 310],
      [360, 430],
    ]);
    expect(durationSeconds).to.equal(0.43);
  });

  it('rejects a script without turns with a ValidationError, writing nothing', async () => {
    const encoder = new FakeEncoder();
    const error = await renderEpisodeAudio(script([]), { synthesizer: new FakeSynthesizer(), encoder }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect(encoder.chunks).to.have.length(0);
  });

  it('rejects a script whose turns are all blank with a ValidationError, writing nothing', async () => {
    const encoder = new FakeEncoder();
    const blank = script([{ speaker: 'person1', text: ' ', section: 'intro' }]);
    const error = await renderEpisodeAudio(blank, { synthesizer: new FakeSynthesizer(), encoder }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as Error).message).to.match(/no audio/);
    expect(encoder.chunks).to.have.length(0);
  });

  it('fails permanently, naming it, when the voice engine returns no samples for any turn', async () => {
    const mute: SpeechSynthesizer = { synthesize: async () => ({ sampleRate: RATE, samples: new Int16Array(0) }) };
    const two = script([
      { speaker: 'person1', text: 'Hello there', section: 'intro' },
      { speaker: 'person2', text: 'Hi', section: 'intro' },
    ]);
    const error = await renderEpisodeAudio(two, { synthesizer: mute, encoder: new FakeEncoder() }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(DownstreamError);
    expect((error as DownstreamError).retryable).to.equal(false);
    expect((error as Error).message).to.equal('episode has no audio: the voice engine returned no samples for any turn (2 with text)');
  });

  it('fails permanently, naming it, when the voice engine returns only silence for every turn', async () => {
    const silent: SpeechSynthesizer = { synthesize: async (text) => ({ sampleRate: RATE, samples: new Int16Array(text.length * 10) }) };
    const two = script([
      { speaker: 'person1', text: 'Hello there', section: 'intro' },
      { speaker: 'person2', text: 'Hi', section: 'intro' },
    ]);
    const error = await renderEpisodeAudio(two, { synthesizer: silent, encoder: new FakeEncoder() }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(DownstreamError);
    expect((error as DownstreamError).retryable).to.equal(false);
    expect((error as Error).message).to.equal('episode has no audio: the voice engine returned only silence (2 turns with text)');
  });

  it('rejects a turn by a speaker the script does not define, before synthesising anything', async () => {
    const bad = script([{ speaker: 'person3' as 'person1', text: 'Who am I', section: 'intro' }]);
    const synthesizer = new FakeSynthesizer();
    const error = await renderEpisodeAudio(bad, { synthesizer, encoder: new FakeEncoder() }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).violations[0]).to.contain('person3');
    expect(synthesizer.calls).to.have.length(0);
  });

  it('rejects negative or non-finite pauses', async () => {
    for (const bad of [{ pauseSeconds: -1 }, { sectionPauseSeconds: Number.NaN }, { leadInSeconds: Infinity }]) {
      const error = await renderEpisodeAudio(twoSections, { synthesizer: new FakeSynthesizer(), encoder: new FakeEncoder() }, bad).catch(
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(bad)).to.be.instanceOf(ValidationError);
    }
  });

  it('resamples a turn whose rate differs from the encoder’s, keeping cue times exact in output samples', async () => {
    // Dana's voice comes at twice the rate: her 70 samples at 1 kHz arrive as 140 at 2 kHz and must go out as 70.
    const synthesizer = new FakeSynthesizer([], (voice) => (voice === 'en-us+f3' ? 2 * RATE : RATE));
    const encoder = new FakeEncoder([], RATE);
    const { cues, durationSeconds, sampleRate } = await renderEpisodeAudio(twoSections, { synthesizer, encoder }, options);
    expect(sampleRate).to.equal(RATE);
    expect(cues[1]).to.include({ start: 0.36, end: 0.43 });
    expect(durationSeconds).to.equal(encoder.samples.length / RATE);
  });

  it('renders at the encoder’s rate when the encoder declares one, even if the first turn differs', async () => {
    const synthesizer = new FakeSynthesizer([], () => 2 * RATE);
    const encoder = new FakeEncoder([], RATE);
    const { sampleRate, cues } = await renderEpisodeAudio(twoSections, { synthesizer, encoder }, options);
    expect(sampleRate).to.equal(RATE);
    expect(cues[0]).to.include({ start: 0.2, end: 0.31 });
  });

  it('lets a synthesis failure through unchanged and stops rendering', async () => {
    const failure = new DownstreamError('tts down');
    let calls = 0;
    const synthesizer: SpeechSynthesizer = {
      async synthesize() {
        calls += 1;
        throw failure;
      },
    };
    const error = await renderEpisodeAudio(twoSections, { synthesizer, encoder: new FakeEncoder() }).catch((e: unknown) => e);
    expect(error).to.equal(failure);
    expect(calls).to.equal(1);
  });
});

describe('resampleLinear', () => {
  it('keeps the duration: n samples at one rate become n × to / from samples', () => {
    expect(resampleLinear(new Int16Array(22050), 22050, 24000)).to.have.length(24000);
    expect(resampleLinear(new Int16Array(24000), 24000, 22050)).to.have.length(22050);
  });

  it('interpolates between neighbouring samples', () => {
    expect(Array.from(resampleLinear(Int16Array.from([0, 100, 200]), 1, 2))).to.deep.equal([0, 50, 100, 150, 200, 200]);
  });
});

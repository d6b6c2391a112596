/**
 * renderEpisodeAudio with a synthesizer that allows several turns in flight: the turns' completion order is decided by
 * the test (each call returns a promise the test settles), never by timers.
 */
import { expect } from 'chai';
import { DownstreamError } from '../../src/core/errors.ts';
import type { AudioEncoder, Pcm, SpeechSynthesizer } from '../../src/core/ports.ts';
import { renderEpisodeAudio } from '../../src/core/generation/render-audio.ts';
import type { ScriptTurn } from '../../src/core/generation/script.ts';
import { twoHostScript } from '../helpers/factories.ts';

const RATE = 1000;
const options = { leadInSeconds: 0, pauseSeconds: 0.01, sectionPauseSeconds: 0.01 };

interface Call {
  text: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** Each turn's speech is as many samples as its text has characters, all of value (its number + 1) × 100. */
class ControlledSynthesizer implements SpeechSynthesizer {
  readonly sampleRate = RATE;
  calls: Call[] = [];
  inFlight = 0;
  mostInFlight = 0;
  private waiters: Array<() => void> = [];
  constructor(readonly concurrency?: number) {}

  synthesize(text: string): Promise<Pcm> {
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    return new Promise<Pcm>((resolve, reject) => {
      const value = (Number(text.split(' ')[1]) + 1) * 100;
      this.calls.push({
        text,
        resolve: () => {
          this.inFlight--;
          resolve({ sampleRate: RATE, samples: new Int16Array(text.length).fill(value) });
        },
        reject: (error) => {
          this.inFlight--;
          reject(error);
        },
      });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves once `count` calls have been made. */
  async started(count: number): Promise<void> {
    while (this.calls.length < count) await new Promise<void>((wake) => this.waiters.push(wake));
  }
}

/** Records the first sample of every speech write (which turn it was) and every write's length. */
class RecordingEncoder implements AudioEncoder {
  readonly sampleRate = RATE;
  turnsWritten: number[] = [];
  samples = 0;
  async write(samples: Int16Array): Promise<void> {
    this.samples += samples.length;
    if (samples[0]) this.turnsWritten.push(samples[0] / 100 - 1);
  }
  async finish(): Promise<{ bytes: number }> {
    return { bytes: 0 };
  }
}

const script = (count: number) =>
  twoHostScript(
    Array.from({ length: count }, (_, i): ScriptTurn => ({ speaker: i % 2 ? 'person2' : 'person1', text: `turn ${i} ${'x'.repeat(i + 1)}`, section: 'intro' })),
  );

/** Lets every pending promise callback run (the renderer's reaction to a settled turn). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('renderEpisodeAudio with concurrency', () => {
  it('synthesises up to `concurrency` turns at once and writes them in script order whatever order they finish in', async () => {
    const synthesizer = new ControlledSynthesizer(3);
    const encoder = new RecordingEncoder();
    const rendering = renderEpisodeAudio(script(6), { synthesizer, encoder }, options);
    await synthesizer.started(3);
    await settle();
    expect(synthesizer.calls.map((c) => c.text.split(' ')[1])).to.deep.equal(['0', '1', '2']);
    // Finish 2, then 1: nothing can be written before turn 0.
    synthesizer.calls[2]!.resolve();
    synthesizer.calls[1]!.resolve();
    await settle();
    expect(encoder.turnsWritten).to.deep.equal([]);
    expect(synthesizer.calls).to.have.length(3);
    // Turn 0 done: 0, 1 and 2 are written, and 3, 4, 5 start.
    synthesizer.calls[0]!.resolve();
    await synthesizer.started(6);
    await settle();
    expect(encoder.turnsWritten).to.deep.equal([0, 1, 2]);
    for (const i of [5, 3, 4]) synthesizer.calls[i]!.resolve();
    const { cues, durationSeconds } = await rendering;
    expect(encoder.turnsWritten).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(cues.map((c) => c.text.split(' ')[1])).to.deep.equal(['0', '1', '2', '3', '4', '5']);
    // Turn i has 8 + i characters, and there are pauses of 10 samples between the six turns.
    const speech = [8, 9, 10, 11, 12, 13];
    expect(encoder.samples).to.equal(speech.reduce((a, b) => a + b, 0) + 5 * 10);
    expect(durationSeconds).to.equal(encoder.samples / RATE);
    expect(cues[1]).to.include({ start: 0.018, end: 0.027 });
  });

  it('never has more than `concurrency` turns in flight, and starts a turn only after the one `concurrency` before it is written', async () => {
    const synthesizer = new ControlledSynthesizer(4);
    const encoder = new RecordingEncoder();
    const rendering = renderEpisodeAudio(script(20), { synthesizer, encoder }, options);
    let resolved = 0;
    // Always finish the newest turn in flight first: the worst order for the window.
    while (resolved < 20) {
      await synthesizer.started(Math.min(20, resolved + 1));
      await settle();
      const pending = synthesizer.calls.filter((c) => !(c as { done?: boolean }).done);
      expect(synthesizer.inFlight).to.be.at.most(4);
      // Held turns (finished but unwritten, plus in flight) never exceed the window.
      expect(synthesizer.calls.length - encoder.turnsWritten.length).to.be.at.most(4);
      const newest = pending.at(-1)!;
      (newest as { done?: boolean }).done = true;
      newest.resolve();
      resolved++;
    }
    await rendering;
    expect(synthesizer.mostInFlight).to.equal(4);
    expect(encoder.turnsWritten).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
  });

  it('on a failure midway starts no further turn, waits for those in flight and rejects once with that error', async () => {
    const synthesizer = new ControlledSynthesizer(3);
    const encoder = new RecordingEncoder();
    const failure = new DownstreamError('voice engine refused turn 1', { retryable: false });
    let outcome: unknown;
    let settledTimes = 0;
    const rendering = renderEpisodeAudio(script(10), { synthesizer, encoder }, options).then(
      () => {
        settledTimes++;
        outcome = 'resolved';
      },
      (error: unknown) => {
        settledTimes++;
        outcome = error;
      },
    );
    await synthesizer.started(3);
    synthesizer.calls[0]!.resolve();
    await synthesizer.started(4);
    synthesizer.calls[1]!.reject(failure);
    await settle();
    // Turns 2 and 3 are still in flight: the render has not given up on them yet, and starts nothing new.
    expect(outcome).to.equal(undefined);
    synthesizer.calls[3]!.reject(new DownstreamError('a second failure, after the first'));
    await settle();
    expect(outcome).to.equal(undefined);
    synthesizer.calls[2]!.resolve();
    await rendering;
    expect(outcome).to.equal(failure);
    expect(settledTimes).to.equal(1);
    expect(synthesizer.calls).to.have.length(4);
    expect(synthesizer.inFlight).to.equal(0);
    expect(encoder.turnsWritten).to.deep.equal([0]);
  });

  it('stops at an encoder failure too, waiting for the turns in flight', async () => {
    const synthesizer = new ControlledSynthesizer(2);
    const failure = new DownstreamError('disk full');
    const encoder: AudioEncoder = {
      sampleRate: RATE,
      async write() {
        throw failure;
      },
      async finish() {
        return { bytes: 0 };
      },
    };
    let outcome: unknown;
    const rendering = renderEpisodeAudio(script(5), { synthesizer, encoder }, options).catch((error: unknown) => (outcome = error));
    await synthesizer.started(2);
    synthesizer.calls[0]!.resolve();
    await settle();
    expect(outcome).to.equal(undefined);
    synthesizer.calls[1]!.resolve();
    await rendering;
    expect(outcome).to.equal(failure);
    expect(synthesizer.calls).to.have.length(2);
  });

  it('treats a missing, fractional or invalid concurrency as whole turns, at least one', async () => {
    for (const [concurrency, most] of [
      [undefined, 1],
      [0, 1],
      [Number.NaN, 1],
      [2.7, 2],
    ] as const) {
      const synthesizer = new ControlledSynthesizer(concurrency);
      const rendering = renderEpisodeAudio(script(4), { synthesizer, encoder: new RecordingEncoder() }, options);
      for (let i = 0; i < 4; i++) {
        await synthesizer.started(i + 1);
        await settle();
        synthesizer.calls[i]!.resolve();
      }
      await rendering;
      expect(synthesizer.mostInFlight, `concurrency ${concurrency}`).to.equal(most);
    }
  });
});

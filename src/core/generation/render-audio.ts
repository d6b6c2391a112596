/**
 * Turns a two-host script into one continuous audio stream through the SpeechSynthesizer and AudioEncoder ports:
 * turn by turn, with silence between turns (longer between sections), written to the encoder as it is made so memory
 * stays flat however long the episode is. Timings come from sample counts, so cues and duration are exact.
 *
 * Bounded-parallel: up to `synthesizer.concurrency` turns (default 1) are synthesised at once, a window sliding over
 * the script, while the encoder receives them strictly in script order. A turn is started only when the turn
 * `concurrency` places before it has been written, so at most `concurrency` turns of PCM are held at any time.
 */
import { DownstreamError, ValidationError } from '../errors.ts';
import type { AudioEncoder, Pcm, SpeechSynthesizer } from '../ports.ts';
import type { Cue, Script, ScriptTurn } from './script.ts';

export interface RenderAudioOptions {
  /** Silence between two turns of the same section. Default 0.35 s. */
  pauseSeconds?: number;
  /** Silence where the section changes (intro → segment-1 → …). Default 1 s. */
  sectionPauseSeconds?: number;
  /** Silence before the first turn. Default 0.25 s. */
  leadInSeconds?: number;
  /**
   * The episode's rate. Default: the encoder's own `sampleRate` when it has one, else the synthesizer's fixed rate,
   * else the first turn's rate. Turns at another rate are resampled to it.
   */
  sampleRate?: number;
}

export interface RenderedAudio {
  /** Total samples written / sampleRate: exact. */
  durationSeconds: number;
  /** One cue per spoken turn, in order, bounded by the turn's first and last sample. */
  cues: Cue[];
  sampleRate: number;
}

const DEFAULTS = { pauseSeconds: 0.35, sectionPauseSeconds: 1, leadInSeconds: 0.25 };

/**
 * Synthesises every turn with its speaker's voice and streams the episode into `deps.encoder` (the caller finishes
 * the encoder). Turns whose text is blank are skipped: no audio, no pause, no cue.
 *
 * Mixed sample rates: the encoder has one fixed rate, so a turn at another rate is resampled (linear interpolation)
 * rather than rejected: one voice of a TTS service at 24 kHz should not fail an episode whose other voice is at
 * 22.05 kHz, and speech from TTS engines carries little energy near the Nyquist frequency, where linear
 * interpolation is weakest. Timings stay exact because they count output samples.
 *
 * @throws ValidationError when the script has no turns, names a speaker it does not define, or every turn is blank;
 *   options out of range. A permanent DownstreamError ("episode has no audio") when the voice engine returned no
 *   samples, or only silence, for every turn: such an episode must fail, never complete. Errors of the ports
 *   (synthesis, encoding) propagate unchanged.
 */
export async function renderEpisodeAudio(
  script: Script,
  deps: { synthesizer: SpeechSynthesizer; encoder: AudioEncoder },
  options: RenderAudioOptions = {},
): Promise<RenderedAudio> {
  const settings = validateOptions(options);
  const violations = script.turns.flatMap((turn, i) =>
    script.speakers[turn.speaker] ? [] : [`turn ${i} names speaker ${JSON.stringify(turn.speaker)}, which the script does not define`],
  );
  if (violations.length) throw new ValidationError('script cannot be rendered', violations);
  if (!script.turns.length) throw new ValidationError('script has no turns to render');

  let sampleRate = settings.sampleRate ?? validRate(deps.encoder.sampleRate) ?? validRate(deps.synthesizer.sampleRate);
  let written = 0;
  let heard = false;
  let previousSection: string | undefined;
  const cues: Cue[] = [];
  const silence = new SilenceWriter(deps.encoder);
  /** Turns with text, in script order. */
  const spoken = script.turns.filter((turn) => turn.text.trim());
  const synthesis = new SynthesisWindow(deps.synthesizer, script, spoken, concurrencyOf(deps.synthesizer));

  await synthesis.run(async (turn, pcm) => {
    const speaker = script.speakers[turn.speaker]!;
    if (!Number.isInteger(pcm.sampleRate) || pcm.sampleRate <= 0) {
      throw new DownstreamError(`synthesizer returned an invalid sample rate (${pcm.sampleRate})`, { retryable: false });
    }
    sampleRate ??= pcm.sampleRate;
    const samples = pcm.sampleRate === sampleRate ? pcm.samples : resampleLinear(pcm.samples, pcm.sampleRate, sampleRate);
    if (!samples.length) return;

    const gap =
      previousSection === undefined
        ? settings.leadInSeconds
        : previousSection === turn.section
          ? settings.pauseSeconds
          : settings.sectionPauseSeconds;
    written += await silence.write(Math.round(gap * sampleRate), sampleRate);
    const start = written;
    await deps.encoder.write(samples, sampleRate);
    written += samples.length;
    heard ||= !isSilent(samples);
    cues.push({ speaker: turn.speaker, speakerName: speaker.name, text: turn.text.trim(), section: turn.section, start: start / sampleRate, end: written / sampleRate });
    previousSection = turn.section;
  });

  if (spoken.length === 0) throw new ValidationError('script produced no audio: every turn is blank');
  if (written === 0 || sampleRate === undefined) {
    throw new DownstreamError(`episode has no audio: the voice engine returned no samples for any turn (${spoken.length} with text)`, { retryable: false });
  }
  if (!heard) throw new DownstreamError(`episode has no audio: the voice engine returned only silence (${spoken.length} turns with text)`, { retryable: false });
  return { durationSeconds: written / sampleRate, cues, sampleRate };
}

function validateOptions(options: RenderAudioOptions) {
  const settings = { ...DEFAULTS };
  const violations: string[] = [];
  for (const key of ['pauseSeconds', 'sectionPauseSeconds', 'leadInSeconds'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0 || value > 60) violations.push(`${key} must be between 0 and 60, got ${value}`);
    else settings[key] = value;
  }
  const { sampleRate } = options;
  if (sampleRate !== undefined && validRate(sampleRate) === undefined) violations.push(`sampleRate must be a positive integer, got ${sampleRate}`);
  if (violations.length) throw new ValidationError('invalid audio rendering options', violations);
  return { ...settings, sampleRate };
}

/** The synthesizer's concurrency as a whole number of turns, at least 1. */
function concurrencyOf(synthesizer: SpeechSynthesizer): number {
  const { concurrency } = synthesizer;
  return concurrency !== undefined && Number.isFinite(concurrency) && concurrency >= 1 ? Math.floor(concurrency) : 1;
}

function isSilent(samples: Int16Array): boolean {
  for (let i = 0; i < samples.length; i++) if (samples[i] !== 0) return false;
  return true;
}

type Settled = { pcm: Pcm } | { error: unknown };

/**
 * Synthesises a list of turns at most `concurrency` at a time and hands each result to a consumer in list order.
 * Turn i + concurrency starts only once the consumer is done with turn i, which bounds the PCM held. The first
 * failure (a synthesis or the consumer) stops new turns from starting; the ones in flight are waited for, their
 * results dropped, and that first error is rethrown: nothing is left running and no rejection goes unhandled.
 */
class SynthesisWindow {
  private failure: { error: unknown } | undefined;
  private readonly inFlight = new Set<Promise<Settled>>();

  constructor(
    private readonly synthesizer: SpeechSynthesizer,
    private readonly script: Script,
    private readonly turns: ScriptTurn[],
    private readonly concurrency: number,
  ) {}

  async run(consume: (turn: ScriptTurn, pcm: Pcm) => Promise<void>): Promise<void> {
    const window: Array<Promise<Settled>> = [];
    let next = 0;
    try {
      for (let position = 0; position < this.turns.length; position++) {
        while (!this.failure && next < this.turns.length && next < position + this.concurrency) window.push(this.start(this.turns[next++]!));
        const result = await window.shift()!;
        if (this.failure) throw this.failure.error;
        if ('error' in result) throw result.error;
        await consume(this.turns[position]!, result.pcm);
      }
    } catch (error) {
      this.failure ??= { error };
      await Promise.all(this.inFlight);
      throw this.failure.error;
    }
  }

  private start(turn: ScriptTurn): Promise<Settled> {
    const speaker = this.script.speakers[turn.speaker]!;
    const context = { language: this.script.language, ...(speaker.instructions ? { instructions: speaker.instructions } : {}) };
    let call: Promise<Pcm>;
    try {
      call = Promise.resolve(this.synthesizer.synthesize(turn.text, turn.voice ?? speaker.voice, context));
    } catch (error) {
      call = Promise.reject(error);
    }
    const settled: Promise<Settled> = call
      .then(
        (pcm) => ({ pcm }),
        (error: unknown) => {
          this.failure ??= { error };
          return { error };
        },
      )
      .finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
    return settled;
  }
}

function validRate(rate: number | undefined): number | undefined {
  return rate !== undefined && Number.isInteger(rate) && rate > 0 ? rate : undefined;
}

/** Writes runs of silence from one reusable zero buffer, so pauses cost no allocation per turn. */
class SilenceWriter {
  private zeros = new Int16Array(0);
  constructor(private readonly encoder: AudioEncoder) {}

  async write(count: number, sampleRate: number): Promise<number> {
    if (count <= 0) return 0;
    if (this.zeros.length < count) this.zeros = new Int16Array(count);
    await this.encoder.write(this.zeros.subarray(0, count), sampleRate);
    return count;
  }
}

/**
 * Resamples mono PCM by linear interpolation; the output has round(n × to / from) samples, so the duration is kept
 * to within one output sample.
 */
export function resampleLinear(samples: Int16Array, from: number, to: number): Int16Array {
  const length = Math.round((samples.length * to) / from);
  const out = new Int16Array(length);
  if (!samples.length) return out;
  const step = from / to;
  const last = samples.length - 1;
  for (let i = 0; i < length; i++) {
    const position = i * step;
    const left = Math.min(Math.floor(position), last);
    const right = Math.min(left + 1, last);
    const fraction = position - left;
    out[i] = Math.round(samples[left]! + (samples[right]! - samples[left]!) * fraction);
  }
  return out;
}

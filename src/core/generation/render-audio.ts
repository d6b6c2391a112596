/**
 * Turns a two-host script into one continuous audio stream through the SpeechSynthesizer and AudioEncoder ports:
 * turn by turn, with silence between turns (longer between sections), written to the encoder as it is made so memory
 * stays flat however long the episode is. Timings come from sample counts, so cues and duration are exact.
 */
import { DownstreamError, ValidationError } from '../errors.ts';
import type { AudioEncoder, SpeechSynthesizer } from '../ports.ts';
import type { Cue, Script } from './script.ts';

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
  /** Turns with text, and whether any sample of theirs was not silence. */
  let spoken = 0;
  let heard = false;
  let previousSection: string | undefined;
  const cues: Cue[] = [];
  const silence = new SilenceWriter(deps.encoder);

  for (const turn of script.turns) {
    if (!turn.text.trim()) continue;
    spoken++;
    const speaker = script.speakers[turn.speaker];
    const context = { language: script.language, ...(speaker.instructions ? { instructions: speaker.instructions } : {}) };
    const pcm = await deps.synthesizer.synthesize(turn.text, turn.voice ?? speaker.voice, context);
    if (!Number.isInteger(pcm.sampleRate) || pcm.sampleRate <= 0) {
      throw new DownstreamError(`synthesizer returned an invalid sample rate (${pcm.sampleRate})`, { retryable: false });
    }
    sampleRate ??= pcm.sampleRate;
    const samples = pcm.sampleRate === sampleRate ? pcm.samples : resampleLinear(pcm.samples, pcm.sampleRate, sampleRate);
    if (!samples.length) continue;

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
    heard ||= samples.some((sample) => sample !== 0);
    cues.push({ speaker: turn.speaker, speakerName: speaker.name, text: turn.text.trim(), start: start / sampleRate, end: written / sampleRate });
    previousSection = turn.section;
  }

  if (spoken === 0) throw new ValidationError('script produced no audio: every turn is blank');
  if (written === 0 || sampleRate === undefined) {
    throw new DownstreamError(`episode has no audio: the voice engine returned no samples for any turn (${spoken} with text)`, { retryable: false });
  }
  if (!heard) throw new DownstreamError(`episode has no audio: the voice engine returned only silence (${spoken} turns with text)`, { retryable: false });
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

/**
 * SpeechSynthesizer over Gemini's native text-to-speech: `generateContent` (gemini-api.ts, plain fetch) on the
 * GEMINI_TTS_MODEL with `responseModalities: ['AUDIO']` and the voice in
 * `speechConfig.voiceConfig.prebuiltVoiceConfig.voiceName` (https://ai.google.dev/gemini-api/docs/speech-generation).
 * The audio comes back base64 in `candidates[0].content.parts[].inlineData`, as `audio/L16;codec=pcm;rate=24000`
 * (headerless 16-bit little-endian mono PCM at the rate the type names) or, from models that send a container,
 * `audio/wav`; both become Pcm at their own rate.
 *
 * Direction: Gemini TTS is steered by the prompt itself; the docs' form is a directive before a colon ("Say
 * cheerfully: Have a wonderful day!"). A turn with SpeechContext.instructions is sent as
 * `Say this (<instructions>): <text>`, colons in the instructions made commas so the directive stays one clause; a turn
 * without is sent as its text alone. The language is not sent: the model detects it from the text.
 *
 * Languages: the 2.5 TTS models document 24 languages, Hebrew not among them (see VOICE_ENGINE_SPECS.gemini). Turns are
 * split at sentence ends under {@link GEMINI_TTS_MAX_CHARS} (a TTS session has a 32k-token window, and long outputs
 * drift). Errors: as gemini-api.ts classifies them; an answer without audio (the model answered in text, or stopped)
 * is transient, naming its finishReason; audio of a type it cannot read is permanent.
 */
import type { Config } from '../core/config.ts';
import { DownstreamError } from '../core/errors.ts';
import { VOICE_ENGINE_SPECS } from '../core/generation/engines.ts';
import type { Pcm, SpeechContext, SpeechSynthesizer } from '../core/ports.ts';
import type { EngineSettings } from './engines.ts';
import { checkNotBlocked, generateContent, type GeminiClientOptions } from './gemini-api.ts';
import { clip, PoliteFetcher, type PoliteFetchOptions } from './polite-fetch.ts';
import { concatenate, int16LittleEndian, parseWav, splitForSynthesis } from './speech-audio.ts';

/** The rate the TTS models answer at. */
export const GEMINI_TTS_SAMPLE_RATE = 24_000;
/** Characters per request: a long turn is spoken in several. */
export const GEMINI_TTS_MAX_CHARS = 4_000;
const SPEECH_TIMEOUT_MS = 90_000;
/** A minute of 24 kHz audio is 2.9 MB, 3.8 MB in base64: a piece's answer is well under this. */
const MAX_ANSWER_BYTES = 48_000_000;

export interface GeminiSpeechOptions extends GeminiClientOptions {
  model: string;
  concurrency: number;
  timeoutMs?: number;
}

export class GeminiSpeech implements SpeechSynthesizer {
  readonly sampleRate = GEMINI_TTS_SAMPLE_RATE;
  readonly concurrency: number;
  private readonly model: string;
  private readonly client: GeminiClientOptions;
  private readonly timeoutMs: number;

  constructor(options: GeminiSpeechOptions) {
    this.model = options.model;
    this.concurrency = options.concurrency;
    this.client = options;
    this.timeoutMs = options.timeoutMs ?? SPEECH_TIMEOUT_MS;
  }

  async synthesize(text: string, voice: string, context?: SpeechContext): Promise<Pcm> {
    const pieces = splitForSynthesis(text, GEMINI_TTS_MAX_CHARS);
    if (!pieces.length) return { sampleRate: this.sampleRate, samples: new Int16Array(0) };
    const parts: Pcm[] = [];
    for (const piece of pieces) parts.push(await this.speak(piece, voice, context?.instructions));
    const rate = parts[0]!.sampleRate;
    if (parts.some((part) => part.sampleRate !== rate)) {
      throw new DownstreamError(`Gemini speech (${this.model}, voice ${voice}): the pieces of one turn came back at different rates`);
    }
    return { sampleRate: rate, samples: concatenate(parts.map((part) => part.samples)) };
  }

  private async speak(text: string, voice: string, instructions: string | undefined): Promise<Pcm> {
    const label = `Gemini speech (${this.model}, voice ${voice})`;
    const response = await generateContent(this.client, {
      label,
      model: this.model,
      maxBytes: MAX_ANSWER_BYTES,
      timeoutMs: this.timeoutMs,
      body: {
        contents: [{ role: 'user', parts: [{ text: directed(text, instructions) }] }],
        generationConfig: {
          responseModalities: ['AUDIO'],
          speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: voice } } },
        },
      },
    });
    checkNotBlocked(response, label);
    const candidate = response.candidates?.[0];
    const audio = candidate?.content?.parts?.find((part) => part.inlineData?.data);
    if (!audio?.inlineData?.data) {
      const said = candidate?.content?.parts?.find((part) => part.text)?.text;
      throw new DownstreamError(
        `${label}: the answer holds no audio (finishReason ${candidate?.finishReason ?? 'none'}${said ? `, text "${clip(said, 80)}"` : ''})`,
      );
    }
    return decodeAudio(audio.inlineData.mimeType ?? '', Buffer.from(audio.inlineData.data, 'base64'), label);
  }
}

/** The prompt: the text, with the host's instructions as a style directive before it (see the file's comment). */
export function directed(text: string, instructions: string | undefined): string {
  const direction = instructions?.replace(/:/g, ',').replace(/\s+/g, ' ').trim();
  return direction ? `Say this (${direction}): ${text}` : text;
}

/** Pcm from an inlineData part: `audio/L16;…;rate=N` (raw little-endian) or `audio/wav`. */
export function decodeAudio(mimeType: string, bytes: Uint8Array, label: string): Pcm {
  const type = mimeType.toLowerCase();
  if (type.startsWith('audio/l16') || type.startsWith('audio/pcm')) {
    const rate = Number(/rate=(\d+)/.exec(type)?.[1] ?? GEMINI_TTS_SAMPLE_RATE);
    return { sampleRate: rate, samples: int16LittleEndian(bytes.subarray(0, bytes.length - (bytes.length % 2))) };
  }
  if (type.startsWith('audio/wav') || type.startsWith('audio/x-wav') || type.startsWith('audio/wave')) {
    try {
      return parseWav(bytes);
    } catch (error) {
      throw new DownstreamError(`${label}: the WAV audio cannot be read (${(error as Error).message})`, { retryable: false, cause: error });
    }
  }
  throw new DownstreamError(`${label}: audio of type "${mimeType}" is not one this adapter reads (audio/L16 or audio/wav)`, { retryable: false });
}

type GeminiSpeechKeys = 'GEMINI_BASE_URL' | 'GEMINI_TTS_MODEL' | 'GEMINI_API_KEY_SECRET_ID' | 'SYNTHESIS_CONCURRENCY';

/** The gemini voice engine from the function's engine keys; the key is read on the first turn, not here. */
export function createGeminiSpeech(settings: EngineSettings, http: PoliteFetchOptions = {}): GeminiSpeech {
  const config: Config<GeminiSpeechKeys> = settings.config;
  const concurrency = config.SYNTHESIS_CONCURRENCY || VOICE_ENGINE_SPECS.gemini.concurrency;
  return new GeminiSpeech({
    baseUrl: config.GEMINI_BASE_URL,
    model: config.GEMINI_TTS_MODEL,
    concurrency,
    keyReference: config.GEMINI_API_KEY_SECRET_ID,
    apiKey: () => settings.secrets.read(config.GEMINI_API_KEY_SECRET_ID, 'the Gemini API key'),
    timeoutMs: http.timeoutMs ?? SPEECH_TIMEOUT_MS,
    fetcher: new PoliteFetcher({ concurrency, perHostDelayMs: 0, ...http }),
  });
}

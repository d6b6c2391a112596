/**
 * SpeechSynthesizer over ElevenLabs' text-to-speech REST API, plain fetch (PoliteFetcher; the `@elevenlabs/elevenlabs-js`
 * SDK pulls node-fetch into a Lambda bundle for one POST): `POST {ELEVENLABS_BASE_URL}/v1/text-to-speech/{voice_id}
 * ?output_format=pcm_24000` with the key in `xi-api-key` and `{text, model_id, language_code?}`; the answer is raw
 * 16-bit little-endian mono PCM at 24 kHz (https://elevenlabs.io/docs/api-reference/text-to-speech/convert).
 *
 * Models and Hebrew (https://elevenlabs.io/docs/overview/models, and the help centre's model list): eleven_v3 speaks
 * 70+ languages, Hebrew among them; eleven_multilingual_v2 (29 languages), eleven_flash_v2_5 and eleven_turbo_v2_5
 * (those and hu, no, vi) do not, and eleven_flash_v2/turbo_v2 are English only. So a turn in Hebrew (SpeechContext
 * language `he`) is spoken by eleven_v3 whenever the configured ELEVENLABS_MODEL is one known not to speak Hebrew; a
 * model this file does not know is used as configured. `language_code` is sent only to the models that take it
 * (v3 and the v2.5 models); others refuse a request that carries it. Text is split at sentence ends under the model's
 * per-request character limit (v3 5,000; multilingual v2 10,000; flash/turbo v2 30,000; v2.5 40,000; unknown 5,000).
 *
 * Errors (`{detail: {status, message}}`, or a list of validation problems for 422): 401 invalid_api_key is a permanent
 * refused key naming ELEVENLABS_API_KEY_SECRET_ID's reference; quota_exceeded (401) and 402 a permanent exhausted quota;
 * 404 or voice_not_found a permanent unknown voice; other 4xx a permanent refused request with ElevenLabs' message;
 * 429 (too_many_concurrent_requests, system_busy) and 5xx are retried with backoff, then transient.
 */
import type { Config } from '../core/config.ts';
import { DownstreamError } from '../core/errors.ts';
import { VOICE_ENGINE_SPECS } from '../core/generation/engines.ts';
import type { Language } from '../core/contracts.ts';
import type { Pcm, SpeechContext, SpeechSynthesizer } from '../core/ports.ts';
import type { EngineSettings } from './engines.ts';
import { clip, HttpStatusError, PoliteFetcher, type PoliteFetchOptions } from './polite-fetch.ts';
import { concatenate, int16LittleEndian, splitForSynthesis } from './speech-audio.ts';

export const ELEVENLABS_SAMPLE_RATE = 24_000;
/** The model that speaks Hebrew. */
export const ELEVENLABS_HEBREW_MODEL = 'eleven_v3';

interface ModelFacts {
  /** Characters per request. */
  maxChars: number;
  /** Languages of ours it speaks. */
  languages: readonly Language[];
  /** Whether it accepts `language_code`. */
  languageCode: boolean;
}

export const ELEVENLABS_MODELS: Record<string, ModelFacts> = {
  eleven_v3: { maxChars: 5_000, languages: ['en', 'he'], languageCode: true },
  eleven_multilingual_v2: { maxChars: 10_000, languages: ['en'], languageCode: false },
  eleven_flash_v2_5: { maxChars: 40_000, languages: ['en'], languageCode: true },
  eleven_turbo_v2_5: { maxChars: 40_000, languages: ['en'], languageCode: true },
  eleven_flash_v2: { maxChars: 30_000, languages: ['en'], languageCode: false },
  eleven_turbo_v2: { maxChars: 30_000, languages: ['en'], languageCode: false },
};
/** The limit assumed for a model not in the table: the smallest of the current ones. */
const UNKNOWN_MODEL_MAX_CHARS = 5_000;

const SPEECH_TIMEOUT_MS = 90_000;
/** Ten minutes of 24 kHz audio is 29 MB: the longest piece any model takes is well under. */
const MAX_AUDIO_BYTES = 64_000_000;

export interface ElevenLabsSpeechOptions {
  baseUrl: string;
  /** ELEVENLABS_MODEL. */
  model: string;
  concurrency: number;
  /** The key, read on each call (the secret reader caches it). */
  apiKey: () => Promise<string>;
  /** ELEVENLABS_API_KEY_SECRET_ID, named when the key is refused. */
  keyReference: string;
  fetcher: PoliteFetcher;
  timeoutMs?: number;
}

export class ElevenLabsSpeech implements SpeechSynthesizer {
  readonly sampleRate = ELEVENLABS_SAMPLE_RATE;
  readonly concurrency: number;
  private readonly options: ElevenLabsSpeechOptions;

  constructor(options: ElevenLabsSpeechOptions) {
    this.options = options;
    this.concurrency = options.concurrency;
  }

  /** The model that speaks `language`: the configured one, or eleven_v3 for Hebrew when the configured one does not. */
  modelFor(language: Language | undefined): string {
    const configured = this.options.model;
    const facts = ELEVENLABS_MODELS[configured];
    if (language && facts && !facts.languages.includes(language) && ELEVENLABS_MODELS[ELEVENLABS_HEBREW_MODEL]!.languages.includes(language)) {
      return ELEVENLABS_HEBREW_MODEL;
    }
    return configured;
  }

  async synthesize(text: string, voice: string, context?: SpeechContext): Promise<Pcm> {
    const model = this.modelFor(context?.language);
    const facts = ELEVENLABS_MODELS[model];
    const pieces = splitForSynthesis(text, facts?.maxChars ?? UNKNOWN_MODEL_MAX_CHARS);
    const parts: Int16Array[] = [];
    for (const piece of pieces) parts.push(await this.speak(piece, voice, model, facts?.languageCode && context?.language ? context.language : undefined));
    return { sampleRate: this.sampleRate, samples: parts.length ? concatenate(parts) : new Int16Array(0) };
  }

  private async speak(text: string, voice: string, model: string, languageCode: string | undefined): Promise<Int16Array> {
    const label = `ElevenLabs (${model}, voice ${voice})`;
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/v1/text-to-speech/${encodeURIComponent(voice)}?output_format=pcm_${ELEVENLABS_SAMPLE_RATE}`;
    const key = await this.options.apiKey();
    let body: Uint8Array;
    try {
      const response = await this.options.fetcher.request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'xi-api-key': key },
          body: JSON.stringify({ text, model_id: model, ...(languageCode ? { language_code: languageCode } : {}) }),
        },
        { subject: label, maxBytes: MAX_AUDIO_BYTES, accept: 'audio/pcm, application/octet-stream', timeoutMs: this.options.timeoutMs ?? SPEECH_TIMEOUT_MS },
      );
      if (/json|text\/html/.test(response.contentType)) {
        throw new DownstreamError(`${label}: the answer is ${response.contentType}, not PCM audio (${clip(new TextDecoder().decode(response.body.subarray(0, 200)), 120)})`);
      }
      body = response.body;
    } catch (error) {
      throw this.classify(error, label, voice);
    }
    if (body.length < 2) throw new DownstreamError(`${label}: the answer holds no audio`);
    return int16LittleEndian(body.subarray(0, body.length - (body.length % 2)));
  }

  private classify(error: unknown, label: string, voice: string): unknown {
    if (!(error instanceof HttpStatusError)) return error;
    const { status, message } = elevenLabsDetail(error.body);
    const said = `HTTP ${error.status}${status ? ` ${status}` : ''}${message ? `: ${clip(message, 300)}` : ''}`;
    const permanent = (text: string) => new DownstreamError(`${label}: ${text} (${said})`, { retryable: false, cause: error });
    if (status === 'quota_exceeded' || error.status === 402) return permanent('the account has no quota left for this text');
    if (error.status === 401 || status === 'invalid_api_key') {
      return permanent(`ElevenLabs refused the API key read from ${this.options.keyReference || '(no reference)'}`);
    }
    if (status === 'voice_not_found' || error.status === 404) return permanent(`ElevenLabs has no voice ${voice} for this account`);
    if (error.retryable) {
      const tries = /after \d+ tries/.exec(error.message)?.[0] ?? 'after retries';
      return new DownstreamError(`${label}: ElevenLabs ${error.status === 429 ? 'throttled' : 'failed'} (${said}), ${tries}`, { cause: error });
    }
    return permanent('ElevenLabs refused the request');
  }
}

/** `detail.status` and `detail.message` of an error body, or a 422's validation problems joined. */
export function elevenLabsDetail(body: string): { status?: string; message?: string } {
  try {
    const detail = (JSON.parse(body) as { detail?: unknown })?.detail;
    if (typeof detail === 'string') return { message: detail };
    if (Array.isArray(detail)) {
      return { status: 'validation_error', message: detail.map((item) => `${(item as { loc?: unknown[] }).loc?.join('.') ?? ''} ${(item as { msg?: string }).msg ?? ''}`.trim()).join('; ') };
    }
    if (typeof detail === 'object' && detail !== null) {
      const { status, code, message } = detail as { status?: unknown; code?: unknown; message?: unknown };
      const name = typeof status === 'string' ? status : typeof code === 'string' ? code : undefined;
      return { ...(name ? { status: name } : {}), ...(typeof message === 'string' ? { message } : {}) };
    }
  } catch {
    // Not JSON: the status alone says it.
  }
  return {};
}

type ElevenLabsKeys = 'ELEVENLABS_BASE_URL' | 'ELEVENLABS_MODEL' | 'ELEVENLABS_API_KEY_SECRET_ID' | 'SYNTHESIS_CONCURRENCY';

/** The elevenlabs voice engine from the function's engine keys; the key is read on the first turn, not here. */
export function createElevenLabsSpeech(settings: EngineSettings, http: PoliteFetchOptions = {}): ElevenLabsSpeech {
  const config: Config<ElevenLabsKeys> = settings.config;
  const concurrency = config.SYNTHESIS_CONCURRENCY || VOICE_ENGINE_SPECS.elevenlabs.concurrency;
  return new ElevenLabsSpeech({
    baseUrl: config.ELEVENLABS_BASE_URL,
    model: config.ELEVENLABS_MODEL,
    concurrency,
    keyReference: config.ELEVENLABS_API_KEY_SECRET_ID,
    apiKey: () => settings.secrets.read(config.ELEVENLABS_API_KEY_SECRET_ID, 'the ElevenLabs API key'),
    timeoutMs: http.timeoutMs ?? SPEECH_TIMEOUT_MS,
    fetcher: new PoliteFetcher({ concurrency, perHostDelayMs: 0, ...http }),
  });
}

/**
 * SpeechSynthesizer over OpenAI speech (`POST /audio/speech`, https://platform.openai.com/docs/api-reference/audio):
 * model OPENAI_TTS_MODEL (gpt-4o-mini-tts), `response_format: 'pcm'`, which is raw 24 kHz 16-bit little-endian mono
 * samples (no header to parse, nothing to decode), and each host's `instructions` (SpeechContext) so the two hosts
 * sound like the roles the podcast gives them (`tts-1` models take no instructions: they are not sent there).
 *
 * The API takes at most 4096 characters of input: a longer turn is split at sentence boundaries (at words, for a
 * sentence longer than that) and its pieces are spoken in order and joined.
 *
 * Errors (openai-client.ts): a refused key, an exhausted quota and a refused voice are permanent DownstreamErrors;
 * throttling, 5xx, timeouts and connection errors are transient after the SDK's retries, as is an empty answer.
 */
import { DownstreamError } from '../core/errors.ts';
import type { Pcm, SpeechContext, SpeechSynthesizer } from '../core/ports.ts';
import { OpenAiConnection, type OpenAiConnectionOptions } from './openai-client.ts';

/** `response_format: 'pcm'` is always this rate. */
export const OPENAI_PCM_SAMPLE_RATE = 24_000;
/** The API's limit on `input`. */
export const OPENAI_SPEECH_MAX_CHARACTERS = 4096;
/** Speech of a 4096-character piece takes well under this; a hung request is retried by the SDK. */
export const OPENAI_SPEECH_TIMEOUT_MS = 120_000;

export interface OpenAiSpeechOptions extends Omit<OpenAiConnectionOptions, 'timeoutMs'> {
  /** OPENAI_TTS_MODEL. */
  model: string;
  /** Turns in flight at once (the renderer's bound). */
  concurrency: number;
  timeoutMs?: number;
  /** Input per request (default: the API's limit); tests lower it. */
  maxCharacters?: number;
}

export class OpenAiSpeechSynthesizer implements SpeechSynthesizer {
  readonly sampleRate = OPENAI_PCM_SAMPLE_RATE;
  readonly concurrency: number;
  private readonly connection: OpenAiConnection;

  constructor(private readonly options: OpenAiSpeechOptions) {
    this.concurrency = options.concurrency;
    this.connection = new OpenAiConnection({ ...options, timeoutMs: options.timeoutMs ?? OPENAI_SPEECH_TIMEOUT_MS });
  }

  async synthesize(text: string, voice: string, context?: SpeechContext): Promise<Pcm> {
    const pieces = splitForSpeech(text, this.options.maxCharacters ?? OPENAI_SPEECH_MAX_CHARACTERS);
    const parts: Int16Array[] = [];
    for (const piece of pieces) parts.push(await this.speak(piece, voice, context));
    const samples = new Int16Array(parts.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      samples.set(part, offset);
      offset += part.length;
    }
    return { sampleRate: OPENAI_PCM_SAMPLE_RATE, samples };
  }

  private async speak(input: string, voice: string, context: SpeechContext | undefined): Promise<Int16Array> {
    const { model } = this.options;
    const subject = { engine: 'OpenAI speech', model, voice };
    const directable = !/^tts-1/.test(model);
    let bytes: Uint8Array;
    try {
      const client = await this.connection.client();
      const response = await client.audio.speech.create({
        model,
        voice,
        input,
        response_format: 'pcm',
        ...(directable && context?.instructions ? { instructions: context.instructions } : {}),
      });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw this.connection.failure(error, subject);
    }
    if (bytes.length < 2) {
      throw new DownstreamError(`OpenAI speech (voice ${voice}, model ${model}) returned no audio for ${input.length} characters`);
    }
    return pcmFromBytes(bytes);
  }
}

/** 16-bit little-endian samples (a trailing odd byte, which no sample can hold, is dropped). */
export function pcmFromBytes(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  return samples;
}

/**
 * `text` in pieces of at most `max` characters (UTF-16 units, never fewer than the API counts), cut after whole
 * sentences; a sentence longer than `max` is cut between words, and a word longer than that anywhere.
 */
export function splitForSpeech(text: string, max: number): string[] {
  const trimmed = text.trim();
  if (trimmed.length <= max) return [trimmed];
  const sentences = [...new Intl.Segmenter(undefined, { granularity: 'sentence' }).segment(trimmed)].map((s) => s.segment);
  const pieces: string[] = [];
  let current = '';
  const flush = () => {
    if (current.trim()) pieces.push(current.trim());
    current = '';
  };
  for (const sentence of sentences.flatMap((s) => (s.length > max ? cutLong(s, max) : [s]))) {
    if (current.length + sentence.length > max) flush();
    current += sentence;
  }
  flush();
  return pieces;
}

/** A sentence longer than `max`, cut between words (each piece keeps its trailing space). */
function cutLong(sentence: string, max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of sentence.split(/(?<=\s)/)) {
    for (let rest = word; rest; ) {
      const room = max - current.length;
      if (rest.length <= room) {
        current += rest;
        rest = '';
      } else if (current) {
        out.push(current);
        current = '';
      } else {
        out.push(rest.slice(0, max));
        rest = rest.slice(max);
      }
    }
  }
  if (current) out.push(current);
  return out;
}

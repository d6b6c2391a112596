/**
 * SpeechSynthesizer over Amazon Polly's SynthesizeSpeech: IAM only, 16 kHz mono 16-bit PCM (`OutputFormat: pcm`,
 * `SampleRate: 16000`), so nothing is decoded. Each voice is spoken with its best engine from the voice table of
 * core/generation/polly-voices.ts (generative where the voice has it, else neural), the same table that decided the
 * voice was valid when the podcast was stored.
 * https://docs.aws.amazon.com/polly/latest/dg/API_SynthesizeSpeech.html
 *
 * A request takes at most 3000 billed characters of plain text
 * (https://docs.aws.amazon.com/polly/latest/dg/limits.html), so a longer turn is split at sentence boundaries
 * (Intl.Segmenter), a sentence longer than that at word boundaries, and the pieces' PCM is concatenated in order.
 *
 * Errors, each a DownstreamError naming the voice and engine: an invalid rate, text too long, invalid SSML, a missing
 * lexicon, an engine the voice lacks, a refused role are permanent; throttling and Polly's service failures are
 * transient, once the client's own retries (createPollyClient: standard mode, 4 attempts) are spent.
 * Like Bedrock Runtime's, the SDK's Polly client speaks HTTP/2, also to a plain `http://` endpoint (test/helpers/fake-polly.ts).
 */
import { PollyClient, SynthesizeSpeechCommand, type PollyClientConfig, type VoiceId } from '@aws-sdk/client-polly';
import { DownstreamError, ValidationError, errorMessage, isRetryable } from '../core/errors.ts';
import { POLLY_VOICES, pollyEngineFor } from '../core/generation/polly-voices.ts';
import type { Pcm, SpeechSynthesizer } from '../core/ports.ts';

export const POLLY_SAMPLE_RATE = 16000;
/** Polly's limit per SynthesizeSpeech request, in billed characters (plain text: every character). */
export const POLLY_MAX_CHARACTERS = 3000;
export const POLLY_MAX_ATTEMPTS = 4;
const POLLY_REQUEST_TIMEOUT_MS = 60_000;

/** A Polly client of the function's region; the SDK reads AWS_ENDPOINT_URL_POLLY (local stack, tests). `overrides`: tests'. */
export function createPollyClient(overrides: PollyClientConfig = {}): PollyClient {
  return new PollyClient({
    maxAttempts: POLLY_MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: { requestTimeout: POLLY_REQUEST_TIMEOUT_MS },
    ...overrides,
  });
}

const PERMANENT = new Set([
  'InvalidSampleRateException',
  'TextLengthExceededException',
  'InvalidSsmlException',
  'LexiconNotFoundException',
  'EngineNotSupportedException',
  'LanguageNotSupportedException',
  'MarksNotSupportedForFormatException',
  'SsmlMarksNotSupportedException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ValidationException',
]);
const TRANSIENT = new Set(['ThrottlingException', 'ServiceFailureException']);

export interface PollySynthesizerOptions {
  client: PollyClient;
  /** Turns synthesised at once (the renderer's bound). */
  concurrency: number;
  /** Characters per request; Polly's limit unless a test wants smaller pieces. */
  maxCharacters?: number;
}

export class PollySynthesizer implements SpeechSynthesizer {
  readonly sampleRate = POLLY_SAMPLE_RATE;
  readonly concurrency: number;
  private readonly client: PollyClient;
  private readonly maxCharacters: number;

  constructor(options: PollySynthesizerOptions) {
    this.client = options.client;
    this.concurrency = options.concurrency;
    this.maxCharacters = options.maxCharacters ?? POLLY_MAX_CHARACTERS;
  }

  async synthesize(text: string, voice: string): Promise<Pcm> {
    const engine = pollyEngineFor(voice);
    if (!engine) {
      throw new ValidationError(`Amazon Polly has no voice "${voice}" (known: ${Object.keys(POLLY_VOICES).join(', ')})`);
    }
    const parts: Int16Array[] = [];
    for (const piece of splitForPolly(text, this.maxCharacters)) {
      let bytes: Uint8Array;
      try {
        const output = await this.client.send(
          new SynthesizeSpeechCommand({
            Engine: engine,
            OutputFormat: 'pcm',
            SampleRate: String(POLLY_SAMPLE_RATE),
            Text: piece,
            TextType: 'text',
            VoiceId: voice as VoiceId,
          }),
        );
        bytes = output.AudioStream ? await output.AudioStream.transformToByteArray() : new Uint8Array(0);
      } catch (error) {
        const name = (error as { name?: string })?.name ?? '';
        const retryable = PERMANENT.has(name) ? false : TRANSIENT.has(name) ? true : isRetryable(error);
        throw new DownstreamError(`Amazon Polly voice ${voice} (${engine}) ${retryable ? 'failed' : 'refused the request'}: ${errorMessage(error)}`, {
          retryable,
          cause: error,
        });
      }
      parts.push(pcmFromBytes(bytes));
    }
    return { sampleRate: POLLY_SAMPLE_RATE, samples: concat(parts) };
  }
}

/**
 * `text` in pieces of at most `limit` characters, cut between sentences; a sentence longer than `limit` between
 * words, a word longer than that anywhere. Whitespace at the cuts is dropped; nothing else is.
 */
export function splitForPolly(text: string, limit = POLLY_MAX_CHARACTERS): string[] {
  const pieces: string[] = [];
  let current = '';
  const flush = (): void => {
    const piece = current.trim();
    if (piece) pieces.push(piece);
    current = '';
  };
  const add = (unit: string, finer: () => string[]): void => {
    if ((current + unit).trim().length <= limit) {
      current += unit;
      return;
    }
    flush();
    if (unit.trim().length <= limit) current = unit;
    else for (const small of finer()) add(small, () => hardSplit(small, limit));
  };
  const sentences = new Intl.Segmenter(undefined, { granularity: 'sentence' }).segment(text);
  for (const { segment } of sentences) add(segment, () => segment.split(/(?<=\s)/));
  flush();
  return pieces;
}

function hardSplit(text: string, limit: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += limit) pieces.push(text.slice(i, i + limit));
  return pieces;
}

/** Polly's PCM: signed 16-bit little-endian mono. An odd trailing byte is dropped. */
function pcmFromBytes(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Int16Array(bytes.byteLength >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  return samples;
}

function concat(parts: Int16Array[]): Int16Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

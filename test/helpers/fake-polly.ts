/**
 * A fake Amazon Polly speaking SynthesizeSpeech's REST wire format (restJson1): `POST /v1/speech` with a JSON body
 * (`Engine`, `OutputFormat`, `SampleRate`, `Text`, `TextType`, `VoiceId`), answered with the audio bytes as the body,
 * `Content-Type: audio/pcm` and `x-amzn-RequestCharacters`.
 * https://docs.aws.amazon.com/polly/latest/dg/API_SynthesizeSpeech.html
 * Like Polly it refuses text over 3000 characters (TextLengthExceededException), a PCM rate other than 8000 or 16000
 * (InvalidSampleRateException) and, given a table of voices, a voice it does not have or an engine the voice lacks.
 * Its PCM is predictable: {@link SAMPLES_PER_CHARACTER} samples per character of the text, each derived from the
 * character's code (loud enough not to read as silence), so a test can tell which text, and which piece of it, a
 * stretch of audio came from.
 */
import { FakeAwsService, type SeenRequest } from './fake-aws-service.ts';

export const SAMPLES_PER_CHARACTER = 4;
/** Polly's limit for plain text: 3000 billed characters per request. */
export const FAKE_POLLY_TEXT_LIMIT = 3000;

/** The PCM the fake returns for `text`. */
export function fakePcmFor(text: string): Int16Array {
  const samples = new Int16Array(text.length * SAMPLES_PER_CHARACTER);
  for (let i = 0; i < text.length; i++) samples.fill((text.charCodeAt(i) % 512) * 64, i * SAMPLES_PER_CHARACTER, (i + 1) * SAMPLES_PER_CHARACTER);
  return samples;
}

export type FakePolly = FakeAwsService<never>;

export interface FakePollyOptions {
  /** Voice id to the engines it has; absent: every voice has every engine. */
  voices?: Record<string, { engines: readonly string[] }>;
}

/** The SynthesizeSpeech requests the fake received, as their bodies. */
export function speechRequests(polly: FakePolly): Array<{ Engine?: string; OutputFormat?: string; SampleRate?: string; Text?: string; TextType?: string; VoiceId?: string }> {
  return polly.requests.filter((r: SeenRequest) => r.path === '/v1/speech').map((r) => r.body);
}

export async function startFakePolly(options: FakePollyOptions = {}): Promise<FakePolly> {
  return new FakeAwsService<never>((request) => {
    if (request.method !== 'POST' || request.path !== '/v1/speech') {
      return { status: 404, code: 'UnknownOperationException', message: `no route for ${request.method} ${request.path}` };
    }
    const body = request.body as { Engine?: string; OutputFormat?: string; SampleRate?: string; Text?: string; VoiceId?: string };
    const text = body.Text ?? '';
    if (text.length > FAKE_POLLY_TEXT_LIMIT) {
      return { status: 400, code: 'TextLengthExceededException', message: `Maximum text length has been exceeded (${text.length} > ${FAKE_POLLY_TEXT_LIMIT})` };
    }
    if (body.OutputFormat === 'pcm' && !['8000', '16000'].includes(body.SampleRate ?? '16000')) {
      return { status: 400, code: 'InvalidSampleRateException', message: `Invalid sample rate ${body.SampleRate} for pcm` };
    }
    const voice = options.voices?.[body.VoiceId ?? ''];
    if (options.voices && !voice) return { status: 400, code: 'ValidationException', message: `Voice ${body.VoiceId} does not exist` };
    if (voice && !voice.engines.includes(body.Engine ?? 'standard')) {
      return { status: 400, code: 'EngineNotSupportedException', message: `This voice does not support the ${body.Engine} engine` };
    }
    const pcm = fakePcmFor(text);
    return {
      status: 200,
      headers: { 'content-type': 'audio/pcm', 'x-amzn-requestcharacters': String(text.length) },
      body: new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength),
    };
  }, 'h2c').start();
}

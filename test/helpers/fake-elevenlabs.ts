/**
 * A stand-in for ElevenLabs' text-to-speech API on loopback (node:http), in its documented wire format
 * (https://elevenlabs.io/docs/api-reference/text-to-speech/convert): `POST /v1/text-to-speech/{voice_id}
 * ?output_format=pcm_24000` with `xi-api-key` and `{text, model_id, language_code?}`, answered with raw 16-bit PCM
 * (10 samples per character). Like the real API it refuses a wrong key (401 invalid_api_key), an unknown voice (404
 * voice_not_found), text over the model's character limit (400 max_character_limit_exceeded) and a language_code sent
 * to a model that takes none (400). Scripted answers (used up in order) stand in for an exhausted quota, 429
 * too_many_concurrent_requests / system_busy with Retry-After, 500s, hangs and a JSON body where audio belongs. Every
 * request is logged, and the most requests ever in flight at once are counted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScriptedHttpFake, send } from './scripted-http-fake.ts';

export const FAKE_ELEVENLABS_KEY = 'sk_fake_elevenlabs_0123456789';
/** George and Rachel, the premade voices of VOICE_ENGINE_SPECS.elevenlabs. */
export const FAKE_ELEVENLABS_VOICES = new Set(['JBFqnCBsd6RMkjVDRZzb', '21m00Tcm4TlvDq8ikWAM']);
const CHARACTER_LIMITS: Record<string, number> = { eleven_v3: 5_000, eleven_multilingual_v2: 10_000, eleven_flash_v2_5: 40_000 };
const TAKES_LANGUAGE_CODE = new Set(['eleven_v3', 'eleven_flash_v2_5', 'eleven_turbo_v2_5']);

export type ElevenLabsAnswer = { kind: 'raw'; status: number; body: string; headers?: Record<string, string> } | { kind: 'hang' };

export interface ElevenLabsRequestLog {
  voice: string;
  query: string;
  apiKey: string | undefined;
  body: { text: string; model_id?: string; language_code?: string };
}

const detail = (status: string, message: string) => JSON.stringify({ detail: { status, message } });

export const elevenLabsAnswers = {
  quotaExceeded: (): ElevenLabsAnswer => ({
    kind: 'raw',
    status: 401,
    body: detail('quota_exceeded', 'This request exceeds your quota of 10000. You have 3 credits remaining, while 43 credits are required for this request.'),
  }),
  paymentRequired: (): ElevenLabsAnswer => ({ kind: 'raw', status: 402, body: detail('payment_required', 'Your subscription has lapsed.') }),
  tooManyConcurrent: (retryAfter?: string): ElevenLabsAnswer => ({
    kind: 'raw',
    status: 429,
    headers: retryAfter ? { 'retry-after': retryAfter } : {},
    body: detail('too_many_concurrent_requests', 'Too many concurrent requests. Your current subscription allows 2 concurrent requests.'),
  }),
  systemBusy: (): ElevenLabsAnswer => ({ kind: 'raw', status: 429, body: detail('system_busy', 'We are experiencing heavy traffic, please try again later.') }),
  serverError: (): ElevenLabsAnswer => ({ kind: 'raw', status: 500, body: detail('internal_error', 'An internal error occurred.') }),
  jsonInsteadOfAudio: (): ElevenLabsAnswer => ({ kind: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"ok"}' }),
  invalidBody: (): ElevenLabsAnswer => ({
    kind: 'raw',
    status: 422,
    body: JSON.stringify({ detail: [{ loc: ['body', 'text'], msg: 'field required', type: 'value_error.missing' }] }),
  }),
};

export class FakeElevenLabs extends ScriptedHttpFake<ElevenLabsAnswer> {
  readonly requests: ElevenLabsRequestLog[] = [];
  inFlight = 0;
  maxInFlight = 0;
  key = FAKE_ELEVENLABS_KEY;
  /** How long each answer takes (lets concurrent calls overlap). */
  latencyMs = 5;
  protected async handle(request: IncomingMessage, raw: Buffer, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const match = /^\/v1\/text-to-speech\/([^/]+)$/.exec(url.pathname);
    if (request.method !== 'POST' || !match) return send(response, 404, JSON.stringify({ detail: 'Not Found' }));
    let body: ElevenLabsRequestLog['body'];
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(response, 400, detail('invalid_json', 'The request body is not JSON.'));
    }
    const voice = decodeURIComponent(match[1]!);
    const apiKey = request.headers['xi-api-key'] as string | undefined;
    this.requests.push({ voice, query: url.search, apiKey, body });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    response.on('close', () => this.inFlight--);
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (apiKey !== this.key) return send(response, 401, detail('invalid_api_key', 'Invalid API key'));
    const scripted = this.script.shift();
    if (scripted?.kind === 'hang') {
      this.hung.push(response);
      return;
    }
    if (scripted) return send(response, scripted.status, scripted.body, scripted.headers);
    if (!FAKE_ELEVENLABS_VOICES.has(voice)) return send(response, 404, detail('voice_not_found', `A voice with the voice_id ${voice} was not found.`));
    if (typeof body.text !== 'string' || !body.text) {
      return send(response, 422, JSON.stringify({ detail: [{ loc: ['body', 'text'], msg: 'field required', type: 'value_error.missing' }] }));
    }
    const model = body.model_id ?? 'eleven_multilingual_v2';
    const limit = CHARACTER_LIMITS[model] ?? 10_000;
    if (body.text.length > limit) {
      return send(response, 400, detail('max_character_limit_exceeded', `This request's text has ${body.text.length} characters and exceeds the character limit of ${limit} characters.`));
    }
    if (body.language_code && !TAKES_LANGUAGE_CODE.has(model)) {
      return send(response, 400, detail('unsupported_language', `Model '${model}' does not support the language_code ${body.language_code}.`));
    }
    if (url.searchParams.get('output_format') !== 'pcm_24000') return send(response, 400, detail('invalid_output_format', 'This fake speaks pcm_24000 only.'));
    const samples = new Int16Array(body.text.length * 10).fill(900);
    response.writeHead(200, { 'content-type': 'audio/pcm', 'content-length': String(samples.byteLength) });
    response.end(Buffer.from(samples.buffer));
  }
}

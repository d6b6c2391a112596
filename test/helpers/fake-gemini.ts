/**
 * A stand-in for the Gemini API on loopback (node:http), speaking generateContent's documented wire format
 * (https://ai.google.dev/api/generate-content): `POST /v1beta/models/{model}:generateContent` with `x-goog-api-key`.
 * By default it answers a text request with `{"ok":true}` as JSON and usage counts, and a speech request
 * (`responseModalities: ['AUDIO']`) with base64 `audio/L16;codec=pcm;rate=24000` of 10 samples per character of the
 * prompt. A wrong key gets Google's 400 API_KEY_INVALID, an unknown voice a 400 INVALID_ARGUMENT. Scripted answers
 * (used up in order) stand in for throttling with Retry-After or RetryInfo, 500s, hangs, bodies that are not JSON,
 * blocked prompts and unknown models. Every request is logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScriptedHttpFake, send } from './scripted-http-fake.ts';

export const FAKE_GEMINI_KEY = 'fake-gemini-key-0123456789';
const VOICES = new Set(['Zephyr', 'Puck', 'Charon', 'Kore', 'Fenrir', 'Leda', 'Orus', 'Aoede']);

export type GeminiAnswer =
  | { kind: 'text'; text: string; finishReason?: string; promptTokens?: number; outputTokens?: number; thoughtsTokens?: number }
  | { kind: 'audio'; samples: Int16Array; mimeType?: string }
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'hang' };

export interface GeminiRequestLog {
  model: string;
  apiKey: string | undefined;
  body: {
    systemInstruction?: { parts: Array<{ text: string }> };
    contents: Array<{ role: string; parts: Array<{ text: string }> }>;
    generationConfig?: Record<string, unknown> & {
      responseModalities?: string[];
      speechConfig?: { voiceConfig?: { prebuiltVoiceConfig?: { voiceName?: string } } };
    };
  };
}

/** Google's error object, as the API sends it. */
export function googleError(code: number, status: string, message: string, details: unknown[] = []): string {
  return JSON.stringify({ error: { code, message, status, ...(details.length ? { details } : {}) } });
}

export const geminiAnswers = {
  throttled: (options: { retryAfter?: string; retryDelay?: string } = {}): GeminiAnswer => ({
    kind: 'raw',
    status: 429,
    headers: options.retryAfter ? { 'retry-after': options.retryAfter } : {},
    body: googleError(
      429,
      'RESOURCE_EXHAUSTED',
      'You exceeded your current quota, please check your plan and billing details.',
      options.retryDelay ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: options.retryDelay }] : [],
    ),
  }),
  serverError: (): GeminiAnswer => ({ kind: 'raw', status: 500, body: googleError(500, 'INTERNAL', 'An internal error has occurred.') }),
  notJson: (): GeminiAnswer => ({ kind: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: '{"candidates": [' }),
  blockedPrompt: (): GeminiAnswer => ({
    kind: 'raw',
    status: 200,
    body: JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 } }),
  }),
  withheld: (finishReason = 'SAFETY'): GeminiAnswer => ({
    kind: 'raw',
    status: 200,
    body: JSON.stringify({ candidates: [{ content: { role: 'model', parts: [] }, finishReason, index: 0 }] }),
  }),
  unknownModel: (model: string): GeminiAnswer => ({
    kind: 'raw',
    status: 404,
    body: googleError(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for generateContent.`),
  }),
  textInsteadOfAudio: (): GeminiAnswer => ({
    kind: 'raw',
    status: 200,
    body: JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 'Sure, here is the audio.' }] }, finishReason: 'OTHER' }] }),
  }),
};

export class FakeGemini extends ScriptedHttpFake<GeminiAnswer> {
  readonly requests: GeminiRequestLog[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** The key the fake accepts. */
  key = FAKE_GEMINI_KEY;
  protected async handle(request: IncomingMessage, raw: Buffer, response: ServerResponse): Promise<void> {
    const match = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(request.url ?? '');
    if (request.method !== 'POST' || !match) {
      send(response, 404, googleError(404, 'NOT_FOUND', `${request.url} is not a method of this fake`));
      return;
    }
    const apiKey = request.headers['x-goog-api-key'] as string | undefined;
    let body: GeminiRequestLog['body'];
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      send(response, 400, googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'));
      return;
    }
    this.requests.push({ model: decodeURIComponent(match[1]!), apiKey, body });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    response.on('close', () => this.inFlight--);
    // Keep a request in flight a moment, so concurrent callers overlap.
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (apiKey !== this.key) {
      send(
        response,
        400,
        googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
        ]),
      );
      return;
    }
    const scripted = this.script.shift();
    if (scripted) return this.reply(response, scripted);
    const config = body.generationConfig ?? {};
    if (config.responseModalities?.includes('AUDIO')) {
      const voice = config.speechConfig?.voiceConfig?.prebuiltVoiceConfig?.voiceName ?? '';
      if (!VOICES.has(voice)) {
        send(response, 400, googleError(400, 'INVALID_ARGUMENT', `Voice name ${voice} is not supported.`));
        return;
      }
      const prompt = body.contents.map((content) => content.parts.map((part) => part.text).join('')).join('');
      return this.reply(response, { kind: 'audio', samples: new Int16Array(prompt.length * 10).fill(700) });
    }
    return this.reply(response, { kind: 'text', text: '{"ok":true}' });
  }

  private reply(response: ServerResponse, answer: GeminiAnswer): void {
    if (answer.kind === 'hang') {
      this.hung.push(response);
      return;
    }
    if (answer.kind === 'raw') {
      send(response, answer.status, answer.body, answer.headers);
      return;
    }
    if (answer.kind === 'text') {
      const promptTokens = answer.promptTokens ?? 100;
      const outputTokens = answer.outputTokens ?? 20;
      send(
        response,
        200,
        JSON.stringify({
          candidates: [{ content: { role: 'model', parts: [{ text: answer.text }] }, finishReason: answer.finishReason ?? 'STOP', index: 0 }],
          usageMetadata: {
            promptTokenCount: promptTokens,
            candidatesTokenCount: outputTokens,
            ...(answer.thoughtsTokens ? { thoughtsTokenCount: answer.thoughtsTokens } : {}),
            totalTokenCount: promptTokens + outputTokens + (answer.thoughtsTokens ?? 0),
          },
          modelVersion: 'fake',
        }),
      );
      return;
    }
    const data = Buffer.from(answer.samples.buffer, answer.samples.byteOffset, answer.samples.byteLength).toString('base64');
    send(
      response,
      200,
      JSON.stringify({
        candidates: [
          {
            content: { role: 'model', parts: [{ inlineData: { mimeType: answer.mimeType ?? 'audio/L16;codec=pcm;rate=24000', data } }] },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: answer.samples.length / 960, totalTokenCount: 10 },
      }),
    );
  }
}


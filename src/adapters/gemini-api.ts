/**
 * Gemini's `generateContent` over plain fetch (PoliteFetcher), shared by the script writer's model (gemini-model.ts)
 * and the voice (gemini-speech.ts): `POST {GEMINI_BASE_URL}/v1beta/models/{model}:generateContent` with the key in
 * the `x-goog-api-key` header (https://ai.google.dev/api/generate-content). Google's SDK (`@google/genai`) is not
 * used: it pulls google-auth-library and protobufjs into a Lambda bundle for one JSON POST.
 *
 * Errors (https://ai.google.dev/gemini-api/docs/troubleshooting): the API answers `{error: {code, message, status,
 * details}}`. A refused key (400 with reason API_KEY_INVALID, 401, 403) is a permanent DownstreamError naming the key's
 * secret reference, never the key; an unknown model (404) and any other refused request (400 INVALID_ARGUMENT,
 * FAILED_PRECONDITION) are permanent with Google's message; 429 RESOURCE_EXHAUSTED and 5xx are retried (waiting the
 * `RetryInfo.retryDelay` the body names when there is no Retry-After header) and then transient. A prompt or an answer
 * blocked by safety filters (`promptFeedback.blockReason`, `finishReason` SAFETY and its kin) is permanent: the same
 * request is blocked again.
 */
import { DownstreamError } from '../core/errors.ts';
import { clip, HttpStatusError, type PoliteFetcher } from './polite-fetch.ts';

/** The parts of a generateContent answer the adapters read. */
export interface GenerateContentResponse {
  candidates?: Array<{
    content?: { role?: string; parts?: GeminiPart[] };
    finishReason?: string;
    finishMessage?: string;
  }>;
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number; totalTokenCount?: number };
  modelVersion?: string;
}

export interface GeminiPart {
  text?: string;
  /** A thought summary (only when asked for): not part of the answer. */
  thought?: boolean;
  inlineData?: { mimeType?: string; data?: string };
}

/** Finish reasons that mean the answer was withheld by a filter: asking again gets the same. */
const BLOCKED_FINISH_REASONS = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

export interface GeminiClientOptions {
  /** GEMINI_BASE_URL (https://generativelanguage.googleapis.com, or a loopback fake in tests). */
  baseUrl: string;
  /** The key, read on each call (the secret reader caches it, so a rotated key is picked up). */
  apiKey: () => Promise<string>;
  /** Where the key lives (GEMINI_API_KEY_SECRET_ID), named when Google refuses it. */
  keyReference: string;
  fetcher: PoliteFetcher;
}

export interface GenerateCall {
  /** Names the call in errors: "Gemini gemini-2.5-flash", "Gemini speech (gemini-2.5-flash-preview-tts, voice Kore)". */
  label: string;
  model: string;
  body: unknown;
  maxBytes: number;
  timeoutMs: number;
}

/** Sends one generateContent request and returns its parsed answer, or throws a classified DownstreamError. */
export async function generateContent(client: GeminiClientOptions, call: GenerateCall): Promise<GenerateContentResponse> {
  const model = call.model.replace(/^models\//, '');
  const url = `${client.baseUrl.replace(/\/+$/, '')}/v1beta/models/${encodeURIComponent(model)}:generateContent`;
  const key = await client.apiKey();
  let text: string;
  try {
    const response = await client.fetcher.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': key }, body: JSON.stringify(call.body) },
      { subject: call.label, maxBytes: call.maxBytes, accept: 'application/json', timeoutMs: call.timeoutMs, retryAfterFromBody: (_status, body) => retryDelayMs(body) },
    );
    text = new TextDecoder().decode(response.body);
  } catch (error) {
    throw classify(error, call.label, model, client.keyReference);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DownstreamError(`${call.label}: the API answered with a body that is not JSON (${text.length} characters: ${clip(text, 80)})`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DownstreamError(`${call.label}: the API answered with JSON that is not a generateContent response`);
  }
  return parsed as GenerateContentResponse;
}

/**
 * Throws a permanent DownstreamError when the prompt or the first candidate was blocked, naming Google's reason.
 */
export function checkNotBlocked(response: GenerateContentResponse, label: string): void {
  const block = response.promptFeedback?.blockReason;
  if (block) {
    const why = response.promptFeedback?.blockReasonMessage;
    throw new DownstreamError(`${label}: Gemini blocked the prompt (blockReason ${block}${why ? `: ${clip(why, 200)}` : ''})`, { retryable: false });
  }
  const finish = response.candidates?.[0]?.finishReason;
  if (finish && BLOCKED_FINISH_REASONS.has(finish)) {
    const why = response.candidates?.[0]?.finishMessage;
    throw new DownstreamError(`${label}: Gemini withheld the answer (finishReason ${finish}${why ? `: ${clip(why, 200)}` : ''})`, { retryable: false });
  }
}

/** Google's error object, when the body holds one. */
interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ '@type'?: string; reason?: string; retryDelay?: string }>;
}

function googleError(body: string): GoogleError | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: GoogleError };
    return typeof parsed?.error === 'object' && parsed.error !== null ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** `RetryInfo.retryDelay` ("37s", "1.5s") of a 429's body, in milliseconds. */
export function retryDelayMs(body: string): number | undefined {
  const delay = googleError(body)?.details?.find((detail) => detail['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(delay ?? '');
  return match ? Math.ceil(Number(match[1]) * 1000) : undefined;
}

function classify(error: unknown, label: string, model: string, keyReference: string): unknown {
  if (!(error instanceof HttpStatusError)) return error;
  const google = googleError(error.body);
  const said = google?.message ? `: ${clip(google.message, 300)}` : '';
  const status = `HTTP ${error.status}${google?.status ? ` ${google.status}` : ''}`;
  const keyRefused =
    error.status === 401 ||
    error.status === 403 ||
    Boolean(google?.details?.some((detail) => detail.reason === 'API_KEY_INVALID' || detail.reason === 'API_KEY_SERVICE_BLOCKED'));
  if (keyRefused) {
    return new DownstreamError(`${label}: Google refused the Gemini API key read from ${keyReference || '(no reference)'} (${status}${said})`, { retryable: false, cause: error });
  }
  if (error.status === 404) {
    return new DownstreamError(`${label}: Gemini has no model ${model} (${status}${said})`, { retryable: false, cause: error });
  }
  if (error.retryable) {
    const what = error.status === 429 ? 'throttled' : 'failed';
    const tries = /after \d+ tries/.exec(error.message)?.[0] ?? 'after retries';
    return new DownstreamError(`${label}: Gemini ${what} (${status}${said}), ${tries}`, { cause: error });
  }
  return new DownstreamError(`${label}: Gemini refused the request (${status}${said})`, { retryable: false, cause: error });
}

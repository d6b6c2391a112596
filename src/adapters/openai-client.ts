/**
 * What the OpenAI-compatible engines share (openai-model.ts, openai-speech.ts): one `openai` SDK client per key, made
 * on first use with the key read through the SecretReader, and one classification of the API's failures.
 *
 * Retries are the SDK's own: 408, 409, 429 and 5xx responses, timeouts and connection errors are retried `maxRetries`
 * times with exponential backoff and jitter, honouring `retry-after-ms` and `Retry-After` (up to a minute). What is
 * still failing after them becomes a transient DownstreamError, which SQS retries later. A 429 whose error code is
 * `insufficient_quota` is not throttling but an exhausted balance: the client marks it not to be retried
 * (`x-should-retry: false`, which the SDK obeys) and it fails permanently at once.
 *
 * A keyless server (a local Ollama or vLLM): with an empty key reference and a base URL that is not api.openai.com no
 * key is read and no Authorization header is sent. api.openai.com without a key is a ConfigError.
 *
 * Errors name the engine, the model or voice, and the key's reference, never the key: the API's own message for a
 * refused key quotes part of it, so it is left out.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { DownstreamError, TelecastError } from '../core/errors.ts';
import type { SecretReader } from './engine-secrets.ts';

export const OPENAI_API_HOST = 'api.openai.com';

export interface OpenAiConnectionOptions {
  /** OPENAI_BASE_URL: `https://api.openai.com/v1`, `http://localhost:11434/v1` (Ollama), OpenRouter's, vLLM's. */
  baseURL: string;
  /** OPENAI_API_KEY_SECRET_ID: where the key lives (engine-secrets.ts); empty for a keyless local server. */
  keyReference: string;
  secrets: SecretReader;
  /** Retries of throttling, 5xx, timeouts and connection errors within one call (default 3). */
  maxRetries?: number;
  /** Per attempt, in milliseconds. */
  timeoutMs: number;
}

/** Who is calling, for error messages: "OpenAI speech (voice coral, model gpt-4o-mini-tts)". */
export interface ErrorSubject {
  /** "the OpenAI-compatible model gpt-4o-mini" or "OpenAI speech". */
  engine: string;
  model: string;
  voice?: string;
}

/** Whether the base URL is OpenAI's own API (a key is required; prices are known). */
export function isOpenAiApi(baseURL: string): boolean {
  return new URL(baseURL).hostname === OPENAI_API_HOST;
}

/** The client, per key: a rotated key (the reader caches it for minutes) gets a new client. */
export class OpenAiConnection {
  private current: { key: string | undefined; client: OpenAI } | undefined;

  constructor(private readonly options: OpenAiConnectionOptions) {}

  get keyReference(): string {
    return this.options.keyReference;
  }

  async client(): Promise<OpenAI> {
    const { baseURL, keyReference, secrets } = this.options;
    const keyless = !keyReference.trim() && !isOpenAiApi(baseURL);
    const key = keyless ? undefined : await secrets.read(keyReference, 'the OpenAI API key');
    if (this.current && this.current.key === key) return this.current.client;
    const client = new OpenAI({
      baseURL,
      // The SDK insists on a credential; a keyless server gets none: the header is removed below.
      apiKey: key ?? 'keyless',
      // Nothing from the environment: the adapter is configured by its caller only.
      organization: null,
      project: null,
      webhookSecret: null,
      maxRetries: this.options.maxRetries ?? 3,
      timeout: this.options.timeoutMs,
      logLevel: 'off',
      fetch: quotaIsFinal,
      ...(keyless ? { defaultHeaders: { Authorization: null } } : {}),
    });
    this.current = { key, client };
    return client;
  }

  /** The DownstreamError for a failed call (a TelecastError, such as the key's ConfigError, passes through). */
  failure(error: unknown, subject: ErrorSubject): TelecastError {
    if (error instanceof TelecastError) return error;
    const who = `${subject.engine} (${subject.voice ? `voice ${subject.voice}, ` : ''}model ${subject.model})`;
    const retries = `after ${this.options.maxRetries ?? 3} retries`;
    if (error instanceof APIConnectionTimeoutError) {
      return new DownstreamError(`${who} timed out ${retries} (${this.options.timeoutMs} ms each)`, { cause: error });
    }
    if (error instanceof APIConnectionError) {
      return new DownstreamError(`${who} could not be reached at ${this.options.baseURL} ${retries}`, { cause: error });
    }
    if (!(error instanceof APIError) || error.status === undefined) {
      return new DownstreamError(`${who} failed`, { cause: error });
    }
    const status = error.status;
    const apiMessage = apiMessageOf(error);
    const code = error.code ?? error.type;
    if (status === 401 || status === 403) {
      const reference = this.options.keyReference.trim();
      // No cause: the API's message quotes part of the key.
      return new DownstreamError(
        reference
          ? `${who}: the key ${reference} was refused (HTTP ${status}${code ? ` ${code}` : ''})`
          : `${who}: ${this.options.baseURL} refused a request without a key (HTTP ${status}); set OPENAI_API_KEY_SECRET_ID`,
        { retryable: false },
      );
    }
    if (status === 429 && isQuotaError(error)) {
      return new DownstreamError(`${who}: quota exhausted for the key ${this.options.keyReference || '(none)'}: ${apiMessage}`, { retryable: false, cause: error });
    }
    if (status === 404) {
      return new DownstreamError(`${who}: model ${subject.model} is unknown at ${this.options.baseURL} (HTTP 404: ${apiMessage})`, { retryable: false, cause: error });
    }
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return new DownstreamError(`${who} failed ${retries} (HTTP ${status}: ${apiMessage})`, { cause: error });
    }
    if (subject.voice && (error.param === 'voice' || /\bvoice\b/i.test(apiMessage))) {
      return new DownstreamError(`${who}: voice ${subject.voice} was refused (HTTP ${status}: ${apiMessage})`, { retryable: false, cause: error });
    }
    return new DownstreamError(`${who} refused the request (HTTP ${status}: ${apiMessage})`, { retryable: false, cause: error });
  }
}

function isQuotaError(error: APIError): boolean {
  return error.code === 'insufficient_quota' || error.type === 'insufficient_quota';
}

/** The API's own words, without anything that looks like a key. */
function apiMessageOf(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message : error.message;
  return message.replace(/\b(sk|key)-[A-Za-z0-9*_-]+/g, '$1-…').slice(0, 500);
}

/**
 * `fetch`, except that a 429 for an exhausted quota says `x-should-retry: false`: the SDK retries every 429, and
 * retrying a balance of zero only spends time and requests.
 */
async function quotaIsFinal(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (response.status !== 429) return response;
  const text = await response.text();
  const headers = new Headers(response.headers);
  if (/"(code|type)"\s*:\s*"insufficient_quota"/.test(text)) headers.set('x-should-retry', 'false');
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
}

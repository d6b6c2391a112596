/**
 * LanguageModel over Gemini's `generateContent` (gemini-api.ts; plain fetch, no Google SDK: it would pull
 * google-auth-library and protobufjs into the Lambda bundle). The writer's system prompt goes in
 * `systemInstruction`, its messages in `contents` (roles `user` and `model`), and the answer is constrained by
 * `generationConfig.responseJsonSchema` with `responseMimeType: application/json`. `responseJsonSchema` takes standard
 * JSON Schema (type, properties, required, enum, items, additionalProperties, …), which is what ModelRequest.schema
 * is; the older `responseSchema` takes an OpenAPI 3.0 subset that would need translating
 * (https://ai.google.dev/api/generate-content#generationconfig).
 *
 * Usage: `usageMetadata.promptTokenCount` in, `candidatesTokenCount` plus `thoughtsTokenCount` out (Gemini 2.5 models
 * think, and thinking is billed as output). `finishReason` is passed on as the stop reason (MAX_TOKENS: cut off).
 * Errors as gemini-api.ts classifies them; a blocked prompt or answer is permanent and names Google's reason.
 */
import type { Config } from '../core/config.ts';
import { DownstreamError } from '../core/errors.ts';
import type { LanguageModel, ModelAnswer, ModelRequest } from '../core/ports.ts';
import type { EngineSettings } from './engines.ts';
import { checkNotBlocked, generateContent, type GeminiClientOptions } from './gemini-api.ts';
import { PoliteFetcher, type PoliteFetchOptions } from './polite-fetch.ts';

/**
 * USD per million tokens, paid tier, prompts up to 200k tokens (https://ai.google.dev/gemini-api/docs/pricing, as of
 * December 2026). A model not listed has no estimated cost.
 */
export const GEMINI_PRICING: Record<string, { inputPerMillion: number; outputPerMillion: number }> = {
  'gemini-2.5-pro': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'gemini-2.5-flash': { inputPerMillion: 0.3, outputPerMillion: 2.5 },
  'gemini-2.5-flash-lite': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
};

/** A script's answer is a few thousand tokens of JSON; a model that thinks first may take a minute or two. */
const MODEL_TIMEOUT_MS = 180_000;
const MAX_ANSWER_BYTES = 4_000_000;
/** Calls in flight at once: the writer may write segments in parallel. */
const MODEL_CONCURRENCY = 4;

export interface GeminiModelOptions extends GeminiClientOptions {
  model: string;
  timeoutMs?: number;
}

export class GeminiModel implements LanguageModel {
  readonly name: string;
  readonly pricing?: { inputPerMillion: number; outputPerMillion: number };
  private readonly model: string;
  private readonly client: GeminiClientOptions;
  private readonly timeoutMs: number;

  constructor(options: GeminiModelOptions) {
    this.model = options.model;
    this.name = `gemini ${options.model}`;
    const pricing = GEMINI_PRICING[options.model.replace(/^models\//, '')];
    if (pricing) this.pricing = pricing;
    this.client = options;
    this.timeoutMs = options.timeoutMs ?? MODEL_TIMEOUT_MS;
  }

  async generate(request: ModelRequest): Promise<ModelAnswer> {
    const label = `Gemini ${this.model}`;
    const response = await generateContent(this.client, {
      label,
      model: this.model,
      maxBytes: MAX_ANSWER_BYTES,
      timeoutMs: this.timeoutMs,
      body: {
        systemInstruction: { parts: [{ text: request.system }] },
        contents: request.messages.map((message) => ({ role: message.role === 'assistant' ? 'model' : 'user', parts: [{ text: message.text }] })),
        generationConfig: {
          temperature: request.temperature,
          maxOutputTokens: request.maxOutputTokens,
          responseMimeType: 'application/json',
          responseJsonSchema: request.schema,
        },
      },
    });
    checkNotBlocked(response, label);
    const candidate = response.candidates?.[0];
    if (!candidate) throw new DownstreamError(`${label}: the answer has no candidate`);
    const text = (candidate.content?.parts ?? [])
      .filter((part) => !part.thought && typeof part.text === 'string')
      .map((part) => part.text)
      .join('');
    const usage = response.usageMetadata ?? {};
    return {
      text,
      inputTokens: usage.promptTokenCount ?? 0,
      outputTokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
      ...(candidate.finishReason ? { stopReason: candidate.finishReason } : {}),
    };
  }
}

type GeminiKeys = 'GEMINI_BASE_URL' | 'GEMINI_MODEL' | 'GEMINI_API_KEY_SECRET_ID';

/**
 * The Gemini script writer's model from the function's engine keys; the key is read from GEMINI_API_KEY_SECRET_ID on
 * the first call, not here. `http`: the fetcher's retry, timeout and clock settings (tests make backoff instant).
 */
export function createGeminiModel(settings: EngineSettings, http: PoliteFetchOptions = {}): GeminiModel {
  const config: Config<GeminiKeys> = settings.config;
  return new GeminiModel({
    baseUrl: config.GEMINI_BASE_URL,
    model: config.GEMINI_MODEL,
    keyReference: config.GEMINI_API_KEY_SECRET_ID,
    apiKey: () => settings.secrets.read(config.GEMINI_API_KEY_SECRET_ID, 'the Gemini API key'),
    timeoutMs: http.timeoutMs ?? MODEL_TIMEOUT_MS,
    fetcher: new PoliteFetcher({ concurrency: MODEL_CONCURRENCY, perHostDelayMs: 0, ...http }),
  });
}

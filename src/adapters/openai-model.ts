/**
 * LanguageModel over OpenAI-compatible chat completions (OpenAI, Ollama, vLLM, OpenRouter): the answer is constrained
 * by `response_format: { type: 'json_schema', json_schema: { name, schema, strict: true } }` (structured outputs,
 * https://platform.openai.com/docs/guides/structured-outputs), so the script writer gets JSON of the script's schema.
 *
 * OpenAI's own API takes the output limit as `max_completion_tokens` (`max_tokens` is deprecated there and refused
 * by its reasoning models); other servers get `max_tokens`, which every OpenAI-compatible server reads.
 *
 * Errors (openai-client.ts): a refused key, an exhausted quota, an unknown model, a refused request and a refusal by
 * the model itself (`message.refusal`) are permanent DownstreamErrors naming what happened; throttling, 5xx, timeouts
 * and connection errors are transient once the SDK's retries are spent. Content that is not JSON is returned as it is:
 * the writer's validation and repair deal with it.
 */
import type { LanguageModel, ModelAnswer, ModelRequest } from '../core/ports.ts';
import { DownstreamError } from '../core/errors.ts';
import { isOpenAiApi, OpenAiConnection, type OpenAiConnectionOptions } from './openai-client.ts';

/** A script of a long episode takes the model a while; the SDK's default (10 minutes) would outlast the function. */
export const OPENAI_MODEL_TIMEOUT_MS = 180_000;

/**
 * USD per million input and output tokens, standard tier (https://platform.openai.com/docs/pricing). A dated
 * snapshot (`gpt-4o-mini-2024-07-18`) and OpenRouter's `openai/` prefix are priced as their model.
 */
export const OPENAI_PRICES: Readonly<Record<string, { inputPerMillion: number; outputPerMillion: number }>> = {
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  'gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
};

/** The price of `model`, when it is one of OPENAI_PRICES (or a snapshot of one); undefined otherwise. */
export function openAiPricing(model: string): LanguageModel['pricing'] {
  const base = model.replace(/^openai\//, '').replace(/-\d{4}-\d{2}-\d{2}$/, '');
  return OPENAI_PRICES[base];
}

export interface OpenAiModelOptions extends Omit<OpenAiConnectionOptions, 'timeoutMs'> {
  /** OPENAI_MODEL, e.g. gpt-4o-mini, or an Ollama model such as llama3.1. */
  model: string;
  timeoutMs?: number;
}

export class OpenAiModel implements LanguageModel {
  readonly name: string;
  readonly pricing: LanguageModel['pricing'];
  private readonly connection: OpenAiConnection;
  private readonly engine: string;
  private readonly openAiApi: boolean;

  constructor(private readonly options: OpenAiModelOptions) {
    this.openAiApi = isOpenAiApi(options.baseURL);
    const host = new URL(options.baseURL).host;
    this.name = this.openAiApi ? `openai ${options.model}` : `openai-compatible ${options.model} at ${host}`;
    this.engine = this.openAiApi ? 'the OpenAI model' : `the OpenAI-compatible model at ${host}`;
    this.pricing = openAiPricing(options.model);
    this.connection = new OpenAiConnection({ ...options, timeoutMs: options.timeoutMs ?? OPENAI_MODEL_TIMEOUT_MS });
  }

  async generate(request: ModelRequest): Promise<ModelAnswer> {
    const subject = { engine: this.engine, model: this.options.model };
    let completion;
    try {
      const client = await this.connection.client();
      completion = await client.chat.completions.create({
        model: this.options.model,
        messages: [
          { role: 'system', content: request.system },
          ...request.messages.map((m) => ({ role: m.role, content: m.text })),
        ],
        response_format: { type: 'json_schema', json_schema: { name: request.schemaName, schema: request.schema, strict: true } },
        temperature: request.temperature,
        ...(this.openAiApi ? { max_completion_tokens: request.maxOutputTokens } : { max_tokens: request.maxOutputTokens }),
      });
    } catch (error) {
      throw this.connection.failure(error, subject);
    }
    const choice = completion.choices?.[0];
    if (!choice) throw new DownstreamError(`${this.engine} (model ${this.options.model}) answered with no choice`);
    if (choice.message.refusal) {
      throw new DownstreamError(`${this.engine} (model ${this.options.model}) refused to answer: ${choice.message.refusal}`, { retryable: false });
    }
    return {
      text: choice.message.content ?? '',
      inputTokens: completion.usage?.prompt_tokens ?? 0,
      outputTokens: completion.usage?.completion_tokens ?? 0,
      ...(choice.finish_reason ? { stopReason: choice.finish_reason } : {}),
    };
  }
}
